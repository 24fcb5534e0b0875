"""Whole numbers from query strings and forms.

``str.isdigit`` is true for "²" and "①", which ``int`` then refuses (a 500); and ``int``
reads Arabic-Indic or full-width digits, which no form of ours offers. A number parameter is
ASCII digits or it is absent.
"""

from __future__ import annotations


def ascii_int(raw: str | None) -> int | None:
    """The whole number ``raw`` spells in ASCII digits 0-9, or None for anything else."""
    if raw and raw.isascii() and raw.isdigit():
        return int(raw)
    return None
