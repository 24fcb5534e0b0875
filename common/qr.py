"""QR codes of links (segno): an inline SVG for pages, a PNG for PDFs.

The credential certificate's link to its verification page and the sign-in sheet's link to an
activity's sign-in page are drawn here, the same way.
"""

from __future__ import annotations

import io

import segno


def qr_svg(url: str, *, scale: int = 4) -> str:
    """The QR code of ``url`` as an inline ``<svg>`` element, titled with the link."""
    return segno.make(url, error="m").svg_inline(scale=scale, border=2, title=url)


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=8, border=2)
    return buffer.getvalue()
