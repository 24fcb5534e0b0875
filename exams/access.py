"""The door of every candidate-facing page and endpoint of the exam engine: "my overdue attempts first".

An attempt past its deadline plus grace is submitted by the beat task every minute and on its next
access. So that no page or endpoint shows an attempt as still running in that minute (and a list and
a detail never disagree), every candidate-facing view declares here how its candidate's overdue
attempts are submitted before it reads:

- pages: ``@candidate_page(Overdue.X)`` under ``@login_required``;
- DRF views: the ``CandidateEndpoint`` mixin with ``overdue_first = Overdue.X``, or a dict by action
  (an action not in it, such as an administrators' one, declares nothing);
- ``own_attempt(candidate=..., attempt_id=..., now=...)``: the candidate's own attempt
  (``AttemptNotFound``, 404, for anyone else's), submitted first when it is overdue.

What "first" costs is chosen per view, so that each hot path keeps its statement count:

``Overdue.MINE``
    every attempt of the candidate past its deadline plus grace is submitted before the view runs
    (``services.attempts_submit_overdue``: one statement when there is none). Lists and pages that
    show figures across attempts: my exams, sessions, 错题本, practice, the result page.
``Overdue.ATTEMPT``
    the attempt the URL names, through ``own_attempt``, which reads it anyway: no statement more
    unless it is overdue. The exam page, the attempt and its review.
``Overdue.SERVICE``
    the service the view calls submits the attempt it touches itself, under its own lock (start,
    practice, save, submit); the view adds nothing.

``tests/exams/test_overdue_first.py`` walks every URL of the exam engine as a candidate with an
overdue attempt and finds it submitted, and fails for a candidate-facing view that declares nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from enum import StrEnum
from typing import Any, TypeVar, cast

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from people.models import User

from . import selectors, services
from .models import Attempt

View = TypeVar("View", bound=Callable[..., HttpResponse])


class Overdue(StrEnum):
    MINE = "mine"
    ATTEMPT = "attempt"
    SERVICE = "service"


def own_attempt(*, candidate: User, attempt_id: int, now: datetime) -> Attempt:
    """The candidate's own attempt, with session and exam; submitted first if it is overdue.

    Raises ``AttemptNotFound`` (404) for an attempt that is not the candidate's.
    """
    attempt = selectors.attempt_for_candidate(attempt_id=attempt_id, candidate=candidate)
    if services.is_overdue(deadline=attempt.deadline, status=attempt.status, now=now):
        services.attempt_submit_if_overdue(attempt_id=attempt.pk, now=now)
        attempt = selectors.attempt_for_candidate(attempt_id=attempt.pk, candidate=candidate)
    return attempt


def _submit_overdue_first(mode: Overdue | None, user: Any) -> None:
    if mode is Overdue.MINE and getattr(user, "is_authenticated", False):
        services.attempts_submit_overdue(now=timezone.now(), candidate=cast(User, user))


def candidate_page(mode: Overdue) -> Callable[[View], View]:
    """Declare a candidate-facing page; with ``Overdue.MINE``, submit the user's overdue attempts first."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def page(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            _submit_overdue_first(mode, request.user)
            return view(request, *args, **kwargs)

        page.overdue_first = mode  # type: ignore[attr-defined]
        return cast(View, page)

    return decorate


class CandidateEndpoint:
    """A DRF view whose candidate-facing actions declare ``overdue_first`` (see the module docstring).

    The overdue attempts are submitted after authentication, permissions and throttles, before
    the handler runs.
    """

    overdue_first: Overdue | dict[str, Overdue] = {}

    def overdue_first_for(self, action: str | None) -> Overdue | None:
        if isinstance(self.overdue_first, Overdue):
            return self.overdue_first
        return self.overdue_first.get(action or "")

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        action = getattr(self, "action", None) or request.method.lower()
        _submit_overdue_first(self.overdue_first_for(action), request.user)
