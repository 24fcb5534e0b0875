"""The register (执法资格登记簿) as a spreadsheet: one row per credential, as the caller may see them.

Cells are written by ``common.spreadsheets``, which writes a text cell that begins with = + - @
as text, never as a formula (a holder's name cannot become a formula in an administrator's Excel).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from common.spreadsheets import download_response

from .links import verify_url
from .models import Credential, CredentialStatus, ReviewStanding


def register_headers() -> list[str]:
    return [
        _("证号"),
        _("姓名"),
        _("工号"),
        _("单位"),
        _("状态"),
        _("年审"),
        _("有效期起"),
        _("有效期至"),
        _("执法领域"),
        _("考试场次"),
        _("待处理"),
        _("核验地址"),
    ]


def register_rows(credentials: Iterable[Credential], *, request: Any = None) -> Iterator[list[Any]]:
    for credential in credentials:
        holder = credential.holder
        yield [
            credential.number,
            holder.display_name,
            holder.employee_no or "",
            holder.department.name if holder.department is not None else "",
            str(CredentialStatus(credential.status).label),
            str(ReviewStanding(credential.review_standing).label),
            credential.valid_from.isoformat(),
            credential.valid_until.isoformat(),
            "、".join(credential.law_areas),
            credential.session.title,
            _("是") if credential.flagged_at is not None else "",
            verify_url(credential, request=request),
        ]


def register_xlsx_response(credentials: QuerySet[Credential], *, request: Any = None) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    return download_response(
        register_headers(),
        register_rows(credentials.iterator(chunk_size=1000), request=request),
        kind="xlsx",
        filename=f"credentials-{stamp}",
        title=_("执法资格登记簿"),
    )
