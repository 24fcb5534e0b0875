"""Every candidate-facing page and endpoint of the exam engine submits the candidate's overdue attempt
before it answers (``exams/access.py``).

The URLs are read from the URL conf, so a new page or endpoint of the exam engine is walked too: one
that a candidate may open must declare how it submits overdue attempts first, and must submit them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from exams import services
from exams.access import CandidateEndpoint, Overdue
from exams.models import SAVE_GRACE, AttemptStatus, ExamKind, ReviewPolicy
from tests.conftest import token_client
from tests.factories import ExamFactory, ExamSessionFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
SESSION_ROUTES = ("exam-session", "exams:session", "exams:board")
# The hot paths, whose statement counts are budgeted: each submits only the overdue attempt it names
# (or the one its service touches: for practice, the attempt of the practice exam it starts).
# Every other candidate-facing URL submits all of mine.
ONLY_THE_NAMED_ATTEMPT = {
    "PAGE exams:practice_start",
    "POST practice",
    "PAGE exams:attempt",
    "PAGE exams:attempt_submit",
    "PAGE exams:review",
    "PAGE exams:session_start",
    "GET attempt-detail",
    "GET attempt-review",
    "PUT attempt-answers",
    "POST attempt-submit",
    "POST exam-session-attempts",
}
# Open to a candidate but about no attempt: reference data.
ABOUT_NO_ATTEMPT = {"GET law-area-list"}


@dataclass(frozen=True)
class Route:
    name: str  # the URL name with its namespace
    method: str
    declared: Overdue | None
    takes_pk: bool

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"


def _patterns(patterns: list[Any], namespace: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _patterns(pattern.url_patterns, inner)
        elif pattern.name:
            yield f"{namespace}{pattern.name}", pattern


def _module(callback: Callable[..., Any]) -> str:
    cls = getattr(callback, "cls", None)
    return (cls or callback).__module__


def _routes() -> list[Route]:
    """Every (URL, method) served by a page or endpoint of the exam engine (the Django admin aside),
    with what the view declares."""
    routes = []
    for name, pattern in _patterns(get_resolver().url_patterns):
        callback = pattern.callback
        if name.startswith("admin:") or not _module(callback).startswith("exams."):
            continue
        takes_pk = "pk" in pattern.pattern.regex.groupindex
        cls = getattr(callback, "cls", None)
        if cls is None:  # a page: its decorators say GET or POST; the walk tries both
            declared = getattr(callback, "overdue_first", None)
            routes.append(Route(name, "page", declared, takes_pk))
            continue
        actions = getattr(callback, "actions", None) or {
            method: method for method in ("get", "post", "put", "patch", "delete") if hasattr(cls, method)
        }
        for method, action in actions.items():
            declared = cls().overdue_first_for(action) if issubclass(cls, CandidateEndpoint) else None
            routes.append(Route(name, method, declared, takes_pk))
    return routes


ROUTES = _routes()


def test_the_walk_finds_the_exam_engines_pages_and_endpoints():
    names = {str(route) for route in ROUTES}

    assert {
        "PAGE exams:my_exams",
        "PAGE exams:result",
        "PAGE exams:practice_start",
        "GET exam-session-list",
        "GET exam-session-detail",
        "POST exam-session-attempts",
        "PUT attempt-answers",
        "GET attempt-review",
        "GET mistakes",
        "POST practice",
    } <= names


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_every_candidate_facing_url_submits_my_overdue_attempt_first(client, bank, route):
    # given a candidate whose attempt is past its deadline and grace, not yet submitted by the beat task
    candidate = UserFactory()
    with time_machine.travel(NOW, tick=False):
        if str(route) in ONLY_THE_NAMED_ATTEMPT and "practice" in route.name:
            ExamFactory(kind=ExamKind.PRACTICE, max_attempts=1, review_policy=ReviewPolicy.AFTER_SUBMIT)
            attempt = services.practice_start(candidate=candidate, exam_id=None, now=NOW).attempt
            session = attempt.session
        else:
            session = ExamSessionFactory(exam=ExamFactory(), opens_at=NOW - timedelta(hours=1))
            attempt = services.attempt_start(session_id=session.pk, candidate=candidate, now=NOW).attempt
        if str(route) not in ONLY_THE_NAMED_ATTEMPT:
            # the URL names another session and a submitted attempt of it
            session = ExamSessionFactory(exam=ExamFactory(), opens_at=NOW - timedelta(hours=1))
            shown = services.attempt_start(session_id=session.pk, candidate=candidate, now=NOW).attempt
            services.attempt_submit(attempt_id=shown.pk, candidate=candidate, now=NOW)
        else:
            shown = attempt
    pk = session.pk if route.name.startswith(SESSION_ROUTES) else shown.pk
    url = reverse(route.name, kwargs={"pk": pk} if route.takes_pk else None)

    # when the candidate opens the URL
    with time_machine.travel(attempt.deadline + SAVE_GRACE + timedelta(seconds=1), tick=False):
        if url.startswith("/api/"):
            response = getattr(token_client(candidate), route.method)(url, {"answers": []}, format="json")
        else:
            client.force_login(candidate)
            response = client.get(url)
            if response.status_code == 405:
                response = client.post(url)

    # then a URL only administrators may open refuses and changes nothing; any other has submitted it
    attempt.refresh_from_db()
    if str(route) in ABOUT_NO_ATTEMPT or (
        response.status_code == 403
        and (route.method == "page" or response.json()["code"] == "permission_denied")
    ):
        assert attempt.status == AttemptStatus.IN_PROGRESS
        return
    assert route.declared is not None, f"{route} is candidate-facing and declares no Overdue mode"
    if str(route) not in ONLY_THE_NAMED_ATTEMPT:
        assert route.declared is Overdue.MINE
    assert (attempt.status, attempt.auto_submitted) == (AttemptStatus.SUBMITTED, True), str(route)
