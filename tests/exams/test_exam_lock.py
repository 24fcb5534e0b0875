"""What candidates are shown or how they are scored is fixed once an exam has an attempt: kind, review
policy, attempts allowed, duration and blueprint rules are refused (``exam_locked``), nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast

import pytest
from django.urls import reverse
from django.utils import timezone

from exams import services
from exams.errors import ExamLocked
from exams.models import Exam, ExamRule, ExamSession, QuestionKind
from people.models import User
from tests.factories import ExamFactory, ExamSessionFactory, RuleIn, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
NEW_RULES = [
    RuleIn(kind=QuestionKind.SINGLE, category="宪法", count=1, points=4),
    RuleIn(kind=QuestionKind.MULTIPLE, category="宪法", count=1, points=3),
    RuleIn(kind=QuestionKind.JUDGE, category="宪法", count=1, points=1),
]


def started_exam() -> Exam:
    """An exam with one attempt in progress (nothing submitted yet)."""
    session = cast(ExamSession, ExamSessionFactory())
    services.attempt_start(session_id=session.pk, candidate=cast(User, UserFactory()), now=timezone.now())
    return session.exam


def rules_of(exam: Exam) -> list[tuple[str, str, int, int]]:
    return list(ExamRule.objects.filter(exam=exam).values_list("kind", "category", "count", "points"))


@pytest.mark.parametrize(
    ("change", "field", "label"),
    [
        ({"kind": "qualification"}, "kind", "类型"),
        ({"review_policy": "never"}, "review_policy", "查看答案"),
        ({"max_attempts": 3}, "max_attempts", "允许作答次数"),
        ({"duration_minutes": 90}, "duration_minutes", "考试时长（分钟）"),
        ({"rules": NEW_RULES}, "rules", "组卷规则"),
    ],
)
def test_a_setting_that_changes_what_candidates_see_is_refused_once_an_attempt_exists(
    bank, change, field, label
):
    # given an exam with an attempt in progress
    exam = started_exam()
    before, rules_before = Exam.objects.values().get(pk=exam.pk), rules_of(exam)

    # when an administrator changes a locked setting
    with pytest.raises(ExamLocked) as refused:
        services.exam_update(exam=exam, **change)

    # then it is refused with a code naming the field, and nothing changed
    assert (refused.value.code, refused.value.field, refused.value.message) == (
        "exam_locked",
        field,
        f"本试卷已有考生作答，不能再修改“{label}”；如需调整，请新建试卷模板。",
    )
    assert Exam.objects.values().get(pk=exam.pk) == before
    assert rules_of(exam) == rules_before


def test_before_any_attempt_every_setting_may_change_and_after_one_the_title_still_may(bank):
    fresh = ExamFactory()
    started = started_exam()

    services.exam_update(
        exam=fresh, kind="qualification", max_attempts=3, duration_minutes=90, rules=NEW_RULES
    )
    services.exam_update(exam=started, title="改名后的考试")

    assert Exam.objects.values_list("kind", "max_attempts", "duration_minutes", "max_score").get(
        pk=fresh.pk
    ) == (
        "qualification",
        3,
        90,
        8,
    )
    assert rules_of(fresh) == [("single", "宪法", 1, 4), ("multiple", "宪法", 1, 3), ("judge", "宪法", 1, 1)]
    assert Exam.objects.get(pk=started.pk).title == "改名后的考试"


def test_the_same_rules_again_are_no_change(bank):
    exam = started_exam()
    same = [RuleIn(kind=k, category=c, count=n, points=p) for k, c, n, p in rules_of(exam)]

    services.exam_update(exam=exam, rules=same, title="同样的规则")

    assert Exam.objects.get(pk=exam.pk).title == "同样的规则"


def admin_form_data(exam: Exam, **changes: str) -> dict[str, str]:
    rules = list(exam.rules.order_by("position"))
    data = {
        "title": exam.title,
        "kind": exam.kind,
        "duration_minutes": str(exam.duration_minutes),
        "pass_score": str(exam.pass_score),
        "max_attempts": str(exam.max_attempts),
        "review_policy": exam.review_policy,
        "shuffle_options": "on",
        "listed_in_practice": "on",
        "validity_years": str(exam.validity_years),
        "rules-TOTAL_FORMS": str(len(rules)),
        "rules-INITIAL_FORMS": str(len(rules)),
        "rules-MIN_NUM_FORMS": "1",
        "rules-MAX_NUM_FORMS": "1000",
    }
    for n, rule in enumerate(rules):
        data |= {
            f"rules-{n}-id": str(rule.pk),
            f"rules-{n}-exam": str(exam.pk),
            f"rules-{n}-position": str(rule.position),
            f"rules-{n}-kind": rule.kind,
            f"rules-{n}-category": rule.category,
            f"rules-{n}-count": str(rule.count),
            f"rules-{n}-points": str(rule.points),
        }
    return data | changes


def test_the_admin_obeys_the_same_lock_and_changes_nothing(admin_client, bank):
    exam = started_exam()
    url = reverse("admin:exams_exam_change", args=[exam.pk])
    before, rules_before = Exam.objects.values().get(pk=exam.pk), rules_of(exam)

    refused = admin_client.post(url, admin_form_data(exam, max_attempts="5"))
    new_count = admin_client.post(url, admin_form_data(exam, **{"rules-0-count": "1"}))

    assert refused.status_code == 200
    assert (
        "本试卷已有考生作答，不能再修改“允许作答次数”；如需调整，请新建试卷模板。".encode() in refused.content
    )
    assert Exam.objects.values().get(pk=exam.pk) == before
    assert rules_of(exam) == rules_before  # the rules are read-only in the admin once attempted
    assert new_count.status_code == 302


def test_papers_drawn_ahead_do_not_lock_the_exam_but_a_change_that_would_alter_them_discards_them(bank):
    # given a session opening tomorrow whose two papers are drawn ahead, nobody has started
    from datetime import timedelta

    from exams.models import Attempt, AttemptItem, AttemptStatus

    now = timezone.now()
    session = cast(
        ExamSession, ExamSessionFactory(opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=2))
    )
    UserFactory.create_batch(2)
    assert services.session_papers_draw(session_id=session.pk, now=now) == 2
    drawn = set(Attempt.with_drawn.filter(session=session).values_list("pk", flat=True))

    # when only the title changes, then the papers stay
    services.exam_update(exam=session.exam, title="改名")
    assert set(Attempt.with_drawn.filter(session=session).values_list("pk", flat=True)) == drawn

    # when the blueprint changes, then the change is made (no attempt has started) and the papers
    # drawn by the old blueprint are gone with their items, to be drawn again by the new one
    services.exam_update(exam=session.exam, rules=NEW_RULES)
    assert rules_of(session.exam) == [
        ("single", "宪法", 1, 4),
        ("multiple", "宪法", 1, 3),
        ("judge", "宪法", 1, 1),
    ]
    assert not Attempt.with_drawn.filter(pk__in=drawn).exists()
    assert not AttemptItem.objects.filter(attempt_id__in=drawn).exists()
    assert services.session_papers_draw(session_id=session.pk, now=now) == 2
    assert set(Attempt.with_drawn.filter(session=session).values_list("status", "max_score")) == {
        (AttemptStatus.DRAWN, 8)
    }
