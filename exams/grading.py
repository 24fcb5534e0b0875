"""Grading rules, as pure functions (no database): used by submit, auto-submit and regrade.

- single choice and true/false: full points for exactly the correct key, else 0;
- multiple choice: full points for exactly the correct keys; with the exam's
  ``partial_credit``, half the points when some correct keys and no wrong key were
  chosen; else 0. An unanswered item earns 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from .models import QuestionKind

HALF = Decimal("0.5")
TENTH = Decimal("0.1")


def grade_item(
    *, kind: str, correct: Iterable[str], chosen: Iterable[str] | None, points: int, partial_credit: bool
) -> Decimal:
    return _grade(
        kind=kind, correct=correct, chosen=chosen, points=points, partial_credit=partial_credit
    ).quantize(TENTH)


def _grade(
    *, kind: str, correct: Iterable[str], chosen: Iterable[str] | None, points: int, partial_credit: bool
) -> Decimal:
    right = set(correct)
    picked = set(chosen or ())
    if picked == right and picked:
        return Decimal(points)
    if kind == QuestionKind.MULTIPLE and partial_credit and picked and picked < right:
        return Decimal(points) * HALF
    return Decimal(0)


def is_passed(*, score: Decimal, pass_score: int) -> bool:
    return score >= pass_score
