"""Whole numbers from query strings and forms.

``str.isdigit`` is true for "²" and "①", which ``int`` then refuses (a 500); and ``int``
reads Arabic-Indic or full-width digits, which no form of ours offers. A number parameter is
ASCII digits or it is absent. A row id is a 64-bit key: a larger number names no row, and SQLite
refuses to take it as a parameter, so code that sends an id to raw SQL asks :func:`is_row_id` first.
"""

from __future__ import annotations


def ascii_int(raw: str | None) -> int | None:
    """The whole number ``raw`` spells in ASCII digits 0-9, or None for anything else."""
    if raw and raw.isascii() and raw.isdigit():
        return int(raw)
    return None


MAX_ROW_ID = 2**63 - 1


def is_row_id(value: int) -> bool:
    """True when ``value`` fits the database's 64-bit keys (whether or not such a row exists)."""
    return -MAX_ROW_ID <= value <= MAX_ROW_ID
