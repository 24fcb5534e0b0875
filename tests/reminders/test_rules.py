"""Rules: checked on save (an unknown placeholder refused, naming it, and nothing saved), defaults made
once per session and plan by the sweep, previews, the admin and the rule pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from exams.models import ExamKind
from reminders import services
from reminders.errors import RuleInvalid, UnknownPlaceholder
from reminders.models import DefaultRulesApplied, Event, ReminderRule, Target
from reminders.selectors import rule_preview
from tests.factories import (
    AdminFactory,
    ExamFactory,
    SessionRuleFactory,
    StudyPlanFactory,
    UserFactory,
)
from tests.reminders.conftest import session_for, sit

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def rule_data(target_session, **changes):
    values = {
        "target": Target.SESSION,
        "event": Event.SESSION_OPENS,
        "session": target_session,
        "title": "考试：{考试名称}",
        "body": "{姓名}，请参加。",
    }
    return services.RuleIn(**{**values, **changes})


def test_an_unknown_placeholder_is_refused_naming_it_and_nothing_is_saved(one_question_exam):
    session = session_for(one_question_exam, opens_at=NOW, closes_at=NOW + timedelta(days=1))

    with pytest.raises(UnknownPlaceholder) as refused:
        services.rule_create(data=rule_data(session, body="{姓名}，请于{考试时间}前参加。"), actor=None)

    assert refused.value.field == "body"
    assert "{考试时间}" in refused.value.message
    assert ReminderRule.objects.count() == 0


def test_an_edit_with_an_unknown_placeholder_changes_nothing(one_question_exam):
    rule = SessionRuleFactory(
        session=session_for(one_question_exam, opens_at=NOW, closes_at=NOW + timedelta(days=1))
    )
    data = services.rule_in(rule)
    data.title = "{职务}请注意"

    with pytest.raises(UnknownPlaceholder) as refused:
        services.rule_update(rule=rule, data=data)

    assert (refused.value.field, ReminderRule.objects.get().title) == ("title", "考试通知：{考试名称}")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": Event.PLAN_BEHIND}, "event"),
        ({"session": None}, "session"),
        ({"via_inbox": False}, "via_inbox"),
        ({"via_webhook": True}, "via_webhook"),
        ({"event": Event.SESSION_FAILED, "offset_minutes": -5}, "offset_minutes"),
        ({"title": "  "}, "title"),
    ],
)
def test_a_rule_that_does_not_fit_together_is_refused_naming_the_field(one_question_exam, changes, field):
    session = session_for(one_question_exam, opens_at=NOW, closes_at=NOW + timedelta(days=1))
    with pytest.raises(RuleInvalid) as refused:
        services.rule_create(data=rule_data(session, **changes), actor=None)
    assert refused.value.field == field
    assert ReminderRule.objects.count() == 0


def test_defaults_are_made_once_per_session_and_plan_and_a_deleted_default_stays_deleted(one_question_exam):
    session = session_for(
        one_question_exam, opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=9)
    )
    practice = session_for(
        ExamFactory(kind=ExamKind.PRACTICE, review_policy="after_submit"),
        opens_at=NOW,
        closes_at=NOW + timedelta(days=9),
    )
    closed = session_for(
        one_question_exam, opens_at=NOW - timedelta(days=9), closes_at=NOW - timedelta(days=1)
    )
    plan = StudyPlanFactory(year=2026)

    # three for the session, one for the plan, three bureau-wide for credentials (tests/reminders/test_credentials.py)
    assert services.default_rules_ensure(now=NOW) == 7
    assert services.default_rules_ensure(now=NOW) == 0

    assert sorted(ReminderRule.objects.filter(session=session).values_list("event", "offset_minutes")) == [
        (Event.SESSION_CLOSES, -24 * 60),
        (Event.SESSION_FAILED, 60),
        (Event.SESSION_OPENS, 0),
    ]
    assert list(ReminderRule.objects.filter(plan=plan).values_list("event", "offset_minutes")) == [
        (Event.PLAN_BEHIND, -30 * 24 * 60)
    ]
    assert not ReminderRule.objects.filter(session__in=[practice, closed]).exists()
    services.rule_delete(rule=ReminderRule.objects.filter(session=session).first())
    assert services.default_rules_ensure(now=NOW) == 0
    assert ReminderRule.objects.filter(session=session).count() == 2
    assert DefaultRulesApplied.objects.count() == 3


def test_the_preview_counts_names_and_renders_each_text(one_question_exam):
    anna = UserFactory(name="安娜")
    bob = UserFactory(name="鲍勃")
    done = UserFactory(name="陈晨")
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    sit(session, done, now=NOW, passing=True)
    rule = SessionRuleFactory(session=session, body="{姓名}：{考试名称}")

    preview = rule_preview(rule=rule, now=NOW)

    assert preview.count == 2
    assert preview.due_at == session.opens_at
    assert [(line.person.pk, line.body) for line in preview.lines] == [
        (anna.pk, f"安娜：{session.title}"),
        (bob.pk, f"鲍勃：{session.title}"),
    ]
    assert preview.lines[0].body_parts == [("安娜", True), ("：", False), (session.title, True)]


def test_administrators_add_preview_pause_and_delete_rules_in_the_pages(client, one_question_exam):
    admin = AdminFactory()
    session = session_for(
        one_question_exam, opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=2)
    )
    client.force_login(admin)

    refused = client.post(
        "/reminders/rules/new/",
        {
            "event": Event.SESSION_OPENS,
            "session": session.pk,
            "offset_minutes": "-60",
            "via_inbox": "on",
            "title": "提醒",
            "body": "{姓名}，{地点}见",
            "is_active": "on",
        },
    )
    assert refused.status_code == 200
    assert "{地点}" in refused.content.decode()
    assert ReminderRule.objects.count() == 0

    created = client.post(
        "/reminders/rules/new/",
        {
            "event": Event.SESSION_OPENS,
            "session": session.pk,
            "offset_minutes": "-60",
            "via_inbox": "on",
            "title": "提醒：{考试名称}",
            "body": "{姓名}，明天考试",
            "is_active": "on",
        },
    )
    rule = ReminderRule.objects.get()
    assert created.status_code == 302
    assert (rule.target, rule.offset_minutes, rule.created_by) == (Target.SESSION, -60, admin)

    preview = client.get(f"/reminders/rules/{rule.pk}/preview/")
    assert preview.status_code == 200
    assert admin.display_name in preview.content.decode()

    client.post(f"/reminders/rules/{rule.pk}/pause/", {"active": "0"})
    assert ReminderRule.objects.get().is_active is False
    assert client.get("/reminders/rules/").status_code == 200
    client.post(f"/reminders/rules/{rule.pk}/delete/")
    assert ReminderRule.objects.count() == 0


def test_staff_may_not_see_the_rule_pages(client):
    client.force_login(UserFactory())
    assert client.get("/reminders/rules/").status_code == 403
    assert client.get("/reminders/rules/new/").status_code == 403


def test_the_admin_saves_rules_through_the_service_and_refuses_an_unknown_placeholder(
    client, one_question_exam
):
    admin = UserFactory(is_staff=True, is_superuser=True)
    session = session_for(
        one_question_exam, opens_at=NOW + timedelta(days=1), closes_at=NOW + timedelta(days=2)
    )
    client.force_login(admin)
    form = {
        "event": Event.SESSION_CLOSES,
        "session": session.pk,
        "offset_minutes": "-120",
        "via_inbox": "on",
        "title": "截止：{考试名称}",
        "body": "{姓名}{未知}",
        "is_active": "on",
        "fixed_at": "",
    }

    refused = client.post("/admin/reminders/reminderrule/add/", form)
    assert refused.status_code == 200
    assert ReminderRule.objects.count() == 0

    client.post("/admin/reminders/reminderrule/add/", {**form, "body": "{姓名}，请交卷"})
    assert list(ReminderRule.objects.values_list("event", "body")) == [
        (Event.SESSION_CLOSES, "{姓名}，请交卷")
    ]
