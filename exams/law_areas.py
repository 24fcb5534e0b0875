"""Reads of the law-area table (``LawArea``), shared by exams, courses and their pages.

Questions, blueprint rules, courses and activities store a law area by its ``name``;
``law_area_names()`` is the one list they are checked against (one query), and
``law_area_choices()`` the same list as form choices, labelled in the active language.
"""

from __future__ import annotations

from django.db.models import QuerySet

from .models import LawArea, law_area_label


def law_area_list() -> QuerySet[LawArea]:
    return LawArea.objects.order_by("id")


def law_area_names() -> list[str]:
    return list(law_area_list().values_list("name", flat=True))


def law_area_choices() -> list[tuple[str, str]]:
    return [(name, law_area_label(name)) for name in law_area_names()]


__all__ = ["law_area_choices", "law_area_label", "law_area_list", "law_area_names"]
