"""Reading and writing the .xlsx and .csv files that imports and exports use."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from .errors import ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Row:
    number: int  # as the spreadsheet shows it: the header is row 1
    values: dict[str, str]


def read_rows(file: IO[bytes], *, filename: str, required_headers: Sequence[str]) -> list[Row]:
    """Read a sheet whose first row holds the headers; every cell comes back as a trimmed string."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _xlsx_rows(file)
    elif name.endswith(".csv"):
        raw = _csv_rows(file)
    else:
        raise ValidationFailed(_("只支持 .xlsx 或 .csv 文件。"), field="file")
    try:
        header_cells = next(raw)
    except StopIteration:
        raise ValidationFailed(_("文件是空的。"), field="file") from None
    headers = [_cell(value) for value in header_cells]
    missing = [header for header in required_headers if header not in headers]
    if missing:
        raise ValidationFailed(
            _("第 1 行缺少表头：%(headers)s。") % {"headers": "、".join(missing)}, field="file"
        )
    rows = []
    for number, cells in enumerate(raw, start=2):
        values = {
            header: _cell(cells[i]) if i < len(cells) else "" for i, header in enumerate(headers) if header
        }
        if any(values.values()):
            rows.append(Row(number=number, values=values))
    return rows


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_rows(file: IO[bytes]) -> Iterator[Sequence[Any]]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise ValidationFailed(_("无法读取该 .xlsx 文件，请使用下载的模板。"), field="file") from None
    sheet = workbook.worksheets[0]
    yield from sheet.iter_rows(values_only=True)


def _csv_rows(file: IO[bytes]) -> Iterator[Sequence[Any]]:
    data = file.read()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(_("无法识别该 .csv 文件的编码，请保存为 UTF-8。"), field="file")
    yield from csv.reader(io.StringIO(text))


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "Sheet1") -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = max(
            10, len(str(header)) * 3
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def download_response(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], *, kind: str, filename: str, title: str = "Sheet1"
) -> HttpResponse:
    """The rows as an .xlsx (``kind`` "xlsx") or .csv attachment named ``filename`` plus the extension."""
    if kind == "csv":
        response = HttpResponse(csv_bytes(headers, rows), content_type="text/csv; charset=utf-8")
    else:
        kind = "xlsx"
        response = HttpResponse(xlsx_bytes(headers, rows, title=title), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{kind}"'
    return response


def parse_yes_no(value: str) -> bool | None:
    """是/否 (and Y/N, 1/0, true/false); None when it is neither."""
    text = value.strip().lower()
    if text in {"是", "y", "yes", "1", "true", "t", "√"}:
        return True
    if text in {"否", "n", "no", "0", "false", "f", ""}:
        return False
    return None
