"""Which questions are *live* for a person: the one place that decides it.

The invariant this module serves: the key, explanation or law reference of a question is never
shown to a person while a formal (annual or qualification) session they may still sit could draw
that question. Every path that shows keys, or draws a paper that would show them, asks here:

- practice and course quizzes (practice exams) draw only from questions that are not live for the
  candidate (``services.attempts``);
- the review of any attempt (page and API) whose paper holds a question live for the candidate
  *now* (a session may be scheduled after a practice attempt was drawn) withholds the key,
  explanation, law reference and correctness of *every* item, not only the live ones: the
  attempt's score is shown on its result page, and the score less the results of the items shown
  would give the live items' results — with one live true/false item, its key
  (``selectors.attempt_review``);
- the 错题本 (page and API) leaves such attempts out altogether, for the same reason and since being
  listed there says the answer was wrong (``selectors.mistakes_for_user``).

A formal session is one the person *may still sit* when

- it is an annual or qualification session the person is eligible for (``exams.eligibility``),
  open or upcoming (``closes_at`` after now), and they have not used every attempt it allows; or
- they have an attempt of it in progress that can still be saved (extra time may keep it open
  past ``closes_at``).

Such a session could draw every question (active or not: a question can be reactivated before
the session opens) whose kind, and category when the rule names one, match one of its exam's
blueprint rules — the blueprint is fixed once an attempt exists (``services.exams``), so the rule
also covers every paper already drawn. A live set is therefore a small set of pool keys
``(kind, category)`` (category ``""``: every category of that kind), read in **one query** by
:func:`live_pool_keys`, whatever the size of the bank or the number of sessions; the filters and
the check below cost no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import Exists, OuterRef, Q

from .eligibility import session_eligible_q
from .models import SAVE_GRACE, Attempt, AttemptStatus, ExamKind, ExamRule, ExamSession
from .pools import PoolKey

FORMAL_KINDS = (ExamKind.ANNUAL, ExamKind.QUALIFICATION)


def sittable_sessions_q(user: Any, *, now: datetime) -> Q:
    """A filter over ``ExamSession``: the formal sessions ``user`` may still sit at ``now``."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return Q(pk__in=[])
    mine = Attempt.objects.filter(session_id=OuterRef("pk"), candidate_id=user.pk)
    # Attempt numbers run 1, 2, …: one numbered max_attempts or more means every attempt is used.
    used_up = mine.filter(number__gte=OuterRef("exam__max_attempts"))
    in_progress = mine.filter(status=AttemptStatus.IN_PROGRESS, deadline__gte=now - SAVE_GRACE)
    still_to_sit = Q(closes_at__gt=now) & session_eligible_q(user) & ~Exists(used_up)
    return Q(exam__kind__in=FORMAL_KINDS) & (still_to_sit | Exists(in_progress))


def live_pool_keys(*, user: Any, now: datetime) -> frozenset[PoolKey]:
    """The pool keys ``(kind, category)`` of every question live for ``user`` at ``now``; one query."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return frozenset()
    sessions = ExamSession.objects.filter(sittable_sessions_q(user, now=now)).values("exam_id")
    rows = ExamRule.objects.filter(exam_id__in=sessions).values_list("kind", "category").distinct()
    return frozenset((kind, category or "") for kind, category in rows)


def live_question_q(keys: Iterable[PoolKey], *, prefix: str = "") -> Q:
    """A filter over ``Question`` (or rows reaching one through ``prefix``, e.g. ``"question__"``)
    matching the live questions of ``keys``; matches nothing when ``keys`` is empty."""
    query = Q(pk__in=[])
    for kind, category in sorted(set(keys)):
        if category:
            query |= Q(**{f"{prefix}kind": kind, f"{prefix}category": category})
        else:
            query |= Q(**{f"{prefix}kind": kind})
    return query


def is_live(keys: frozenset[PoolKey], *, kind: str, category: str) -> bool:
    """True when a question of this kind and category is live under ``keys`` (no query)."""
    return (kind, "") in keys or (kind, category) in keys
