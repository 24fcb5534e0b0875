"""The reports as files: .xlsx through ``common.spreadsheets`` and the year's figures as .docx
(python-docx) with the figures in the summary's sentences.

Each export writes exactly the rows its selector returned for the asking user, so an export never
holds a person or a figure the page would not show them.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _

from common.spreadsheets import download_response
from people.models import User

from .selectors.annual import annual_sentences, figure_rows
from .selectors.common import percent
from .selectors.credentials import CredentialReport
from .selectors.participation import ParticipationReport
from .selectors.study import StudyReport

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def participation_xlsx(report: ParticipationReport, *, filename: str = "participation") -> HttpResponse:
    headers = [_("单位"), _("层级"), _("应考人数"), _("参考人数"), _("合格人数"), _("参考率"), _("合格率")]
    rows: list[list[Any]] = [
        [
            row.department.name,
            row.department.depth,
            row.figures.eligible,
            row.figures.participated,
            row.figures.passed,
            percent(row.figures.participation_rate),
            percent(row.figures.pass_rate),
        ]
        for row in report.departments
    ]
    totals = report.totals
    rows.append(
        [
            _("合计"),
            "",
            totals.eligible,
            totals.participated,
            totals.passed,
            percent(totals.participation_rate),
            percent(totals.pass_rate),
        ]
    )
    return download_response(headers, rows, kind="xlsx", filename=filename, title=_("参考情况"))


def study_xlsx(report: StudyReport, *, filename: str = "study") -> HttpResponse:
    headers = [
        _("单位"),
        _("层级"),
        _("计划内人数"),
        _("学完必修课程人数"),
        _("必修课程完成率"),
        _("学时达标人数"),
        _("学时达标率"),
        _("人均学时"),
        _("人均应修学时"),
    ]

    def line(name: str, depth: Any, figures: Any) -> list[Any]:
        return [
            name,
            depth,
            figures.people,
            figures.courses_done,
            percent(figures.completion_rate),
            figures.hours_met,
            percent(figures.hours_rate),
            float(figures.hours_mean),
            float(figures.required_mean),
        ]

    rows = [line(row.department.name, row.department.depth, row.figures) for row in report.departments]
    rows.append(line(_("合计"), "", report.totals))
    return download_response(headers, rows, kind="xlsx", filename=filename, title=_("学法情况"))


def credentials_xlsx(report: CredentialReport, *, filename: str = "credentials") -> HttpResponse:
    headers = [
        _("单位"),
        _("层级"),
        _("有效"),
        _("暂扣"),
        _("吊销"),
        _("即将到期"),
        _("年审不合格"),
        _("执法人员"),
        _("不得执法的执法人员"),
        _("执法资格有风险人员"),
    ]

    def line(name: str, depth: Any, figures: Any) -> list[Any]:
        return [
            name,
            depth,
            figures.valid,
            figures.suspended,
            figures.revoked,
            figures.expiring,
            figures.review_failed,
            figures.officers,
            figures.officers_not_enforcing,
            figures.at_risk,
        ]

    rows = [line(row.department.name, row.department.depth, row.figures) for row in report.departments]
    rows.append(line(_("合计"), "", report.totals))
    return download_response(headers, rows, kind="xlsx", filename=filename, title=_("执法资格情况"))


Column = tuple[str, str | Callable[[Any], Any]]


def people_xlsx(people: Iterable[User], *, columns: list[Column], filename: str) -> HttpResponse:
    """A people list: name, employee number, department, then ``columns`` (header, and the attribute
    to read or a function of the person)."""
    headers = [_("姓名"), _("工号"), _("单位"), *[header for header, _attr in columns]]
    rows = []
    for person in people:
        cells: list[Any] = [
            person.display_name,
            person.employee_no or "",
            person.department.name if person.department else "",
        ]
        for _header, attribute in columns:
            value = attribute(person) if callable(attribute) else getattr(person, attribute, "")
            cells.append("" if value is None else (float(value) if hasattr(value, "quantize") else value))
        rows.append(cells)
    return download_response(headers, rows, kind="xlsx", filename=filename, title=_("名单"))


def annual_xlsx(figures: dict[str, Any], *, against: dict[str, Any] | None = None) -> HttpResponse:
    rows_in = figure_rows(figures, against=against)
    headers = [_("项目"), _("数值")]
    if against is not None:
        headers += [_("重新统计"), _("差异")]
    rows = [
        [row["label"], row["value"], *([row["recount"], row["difference"]] if against is not None else [])]
        for row in rows_in
    ]
    rows.append([])
    rows.extend([[sentence] for sentence in annual_sentences(figures)])
    return download_response(
        headers, rows, kind="xlsx", filename=f"annual-figures-{figures['year']}", title=_("年度学法统计")
    )


def annual_docx(figures: dict[str, Any], *, published: str = "") -> HttpResponse:
    """The year's figures as a Word document: the sentences, then the table of figures."""
    from docx import Document

    document = Document()
    document.add_heading(_("%(year)s年度学法统计") % {"year": figures["year"]}, level=1)
    if published:
        document.add_paragraph(published)
    for sentence in annual_sentences(figures):
        document.add_paragraph(sentence)
    rows = figure_rows(figures)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text, header[1].text = _("项目"), _("数值")
    for row in rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = row["label"], row["value"]
    buffer = io.BytesIO()
    document.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="annual-figures-{figures["year"]}.docx"'
    return response
