"""The certificate (执法资格证书) of a credential: its QR code and its A4 PDF.

The PDF is laid out by fpdf2 with Noto Sans SC embedded as a subset (only the glyphs used), so the
Chinese text is real text a reader can select, search and extract. The font comes from the
``justmytype-intl-cjk`` package (Google Fonts' TrueType-outline build; fpdf2 embeds TrueType
outlines, while Debian's Noto CJK is CFF), so ``pip install`` alone is enough on a fresh machine.
``CREDENTIAL_PDF_FONT`` may name another TrueType font file.

The QR code (``common.qr``) encodes the absolute URL of the public verification page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from fpdf import FPDF

from common.qr import qr_png

from .models import Credential, CredentialStatus

FONT_FAMILY = "NotoSansSC"


@cache
def font_path() -> Path:
    configured = getattr(settings, "CREDENTIAL_PDF_FONT", "")
    if configured:
        return Path(configured)
    return Path(str(files("justmytype_intl_cjk") / "fonts" / "ofl" / "notosanssc" / "NotoSansSC[wght].ttf"))


@dataclass(frozen=True)
class CertificateText:
    """What the certificate says: the same words on the HTML page and in the PDF."""

    title: str
    holder: str
    department: str
    number: str
    valid: str
    law_areas: str
    status: str
    issued_by: str
    statement: str


def certificate_text(credential: Credential) -> CertificateText:
    holder = credential.holder
    department = holder.department.name if holder.department is not None else ""
    return CertificateText(
        title=_("行政执法资格证书"),
        holder=holder.display_name,
        department=department,
        number=credential.number,
        valid=_("%(start)s 至 %(end)s")
        % {"start": credential.valid_from.isoformat(), "end": credential.valid_until.isoformat()},
        law_areas="、".join(credential.law_areas) or _("综合"),
        status=str(CredentialStatus(credential.status).label),
        issued_by=str(getattr(settings, "CREDENTIAL_ISSUER", "")) or _("行政执法资格考试委员会"),
        statement=_("经行政执法资格考试合格，准予从事行政执法活动。扫描二维码可核验本证真伪与当前状态。"),
    )


def certificate_pdf(credential: Credential, *, verify_url: str) -> bytes:
    """The A4 certificate as PDF bytes."""
    text = certificate_text(credential)
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_title(f"{text.title} {text.number}")
    pdf.set_creator("Xuefa")
    pdf.set_auto_page_break(auto=False)
    pdf.add_font(FONT_FAMILY, "", str(font_path()))
    pdf.add_page()
    # a double frame
    pdf.set_draw_color(160, 30, 30)
    pdf.set_line_width(1.2)
    pdf.rect(12, 12, 186, 273)
    pdf.set_line_width(0.3)
    pdf.rect(15, 15, 180, 267)

    pdf.set_text_color(160, 30, 30)
    pdf.set_font(FONT_FAMILY, size=28)
    pdf.set_xy(15, 40)
    pdf.cell(180, 16, text.title, align="C")

    pdf.set_text_color(20, 20, 20)
    rows = [
        (_("持证人"), text.holder),
        (_("单位"), text.department),
        (_("证号"), text.number),
        (_("有效期"), text.valid),
        (_("执法领域"), text.law_areas),
        (_("状态"), text.status),
    ]
    y = 80.0
    for label, value in rows:
        pdf.set_font(FONT_FAMILY, size=13)
        pdf.set_xy(35, y)
        pdf.cell(35, 10, label)
        pdf.set_font(FONT_FAMILY, size=15)
        pdf.set_xy(70, y)
        pdf.multi_cell(105, 10, value)
        y = max(y + 14, pdf.get_y() + 4)

    pdf.set_font(FONT_FAMILY, size=11)
    pdf.set_xy(35, y + 6)
    pdf.multi_cell(140, 7, text.statement)

    pdf.image(io.BytesIO(qr_png(verify_url)), x=35, y=205, w=45, h=45)
    pdf.set_font(FONT_FAMILY, size=9)
    pdf.set_xy(35, 252)
    pdf.cell(60, 6, _("扫码核验"))
    pdf.set_font(FONT_FAMILY, size=14)
    pdf.set_xy(95, 230)
    pdf.cell(80, 10, text.issued_by, align="R")
    return bytes(pdf.output())
