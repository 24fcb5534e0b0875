"""Credential reminders: per credential, at its own date (expiry, or the annual review for short hours),
once, only to holders who still have to act; checked on save, previewed, and edited in the pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, cast

import pytest
from django.utils import timezone

from courses.models import ActivityKind
from courses.services import activity_attendees_add
from credentials import services as credential_services
from credentials.models import Credential
from reminders import services
from reminders.errors import RuleInvalid, UnknownPlaceholder
from reminders.models import (
    Delivery,
    DeliveryStatus,
    Event,
    Notification,
    Occasion,
    ReminderRule,
    Target,
)
from reminders.selectors import rule_preview
from tests.factories import (
    AdminFactory,
    CredentialFactory,
    DepartmentFactory,
    LeaderFactory,
    StudyActivityFactory,
    UserFactory,
)
from tests.reminders.conftest import deliver

pytestmark = pytest.mark.django_db

# 10:00 in Shanghai; credentials granted the year before, valid three years.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
GRANTED = datetime(2025, 3, 2, 2, 0, tzinfo=UTC)
DAY = 24 * 60


def credential(
    holder: Any = None, *, until: date | None = None, granted_at: datetime = GRANTED
) -> Credential:
    """A credential granted through the exam engine; its last valid day moved to ``until`` when given."""
    made = cast(
        Credential,
        CredentialFactory(holder=holder or UserFactory(is_enforcement_officer=True), granted_at=granted_at),
    )
    if until is not None:
        Credential.objects.filter(pk=made.pk).update(valid_until=until)
        made.refresh_from_db()
    return made


def credential_rule(**changes: Any) -> ReminderRule:
    values: dict[str, Any] = {
        "target": Target.CREDENTIAL,
        "event": Event.CREDENTIAL_EXPIRING,
        "offset_minutes": -30 * DAY,
        "title": "到期：{证号}",
        "body": "{姓名}，您的执法证{证号}将于{截止时间}到期。{链接}",
    }
    return services.rule_create(data=services.RuleIn(**{**values, **changes}), actor=None)


def hours(person: Any, amount: str, *, year: int = 2026) -> None:
    """``person`` attends a lecture of ``amount`` hours in ``year``: the ledger credits them."""
    activity: Any = StudyActivityFactory(
        kind=ActivityKind.LECTURE, held_on=date(year, 5, 1), hours=Decimal(amount), meeting=""
    )
    activity_attendees_add(activity=activity, people=[person], actor=None)


def fan_out(now: datetime) -> None:
    """The sweep and the fan-out, without the send: the delivery rows exist, pending."""
    services.occasions_create_due(now=now)
    services.occasions_plan(now=now)
    for batch_id in services.batches_claim(now=now):
        services.batch_fan_out(batch_id=batch_id, now=now)


def send(now: datetime) -> None:
    for occasion_id, channel in services.sends_due(now=now):
        services.deliveries_send(occasion_id=occasion_id, channel=channel, now=now)


def inbox() -> list[tuple[int, str, str, str]]:
    return sorted(Notification.objects.values_list("person_id", "title", "body", "url"))


def test_expiring_reaches_only_current_valid_credentials_within_the_days_and_the_audience():
    # given holders in and out of the rule's departments, and credentials in every state
    admin = AdminFactory()
    top = DepartmentFactory(name="城建局")
    team = DepartmentFactory(name="一大队", parent=top)
    other = DepartmentFactory(name="财政局")
    due = credential(UserFactory(name="安娜", department=team), until=date(2026, 3, 31))
    renewed = credential(UserFactory(department=team), until=date(2026, 3, 20))
    credential(renewed.holder, granted_at=NOW - timedelta(days=1))  # the renewal supersedes it
    suspended = credential(UserFactory(department=team), until=date(2026, 3, 20))
    credential_services.credential_suspend(credential_id=suspended.pk, reason="调查", actor=admin, now=NOW)
    revoked = credential(UserFactory(department=team), until=date(2026, 3, 20))
    credential_services.credential_revoke(credential_id=revoked.pk, reason="违法", actor=admin, now=NOW)
    credential(UserFactory(department=team), until=date(2026, 6, 30))  # beyond the 30 days
    credential(UserFactory(department=other), until=date(2026, 3, 20))  # outside the departments
    credential_rule(departments=[top])

    # when the sweep runs, and again a minute later
    deliver(now=NOW)
    deliver(now=NOW + timedelta(minutes=1))

    # then exactly the one holder, once, with every placeholder filled and a link to their credentials
    assert inbox() == [
        (
            due.holder.pk,
            f"到期：{due.number}",
            f"安娜，您的执法证{due.number}将于2026-03-31到期。http://127.0.0.1:8000/credentials/",
            "/credentials/",
        )
    ]
    occasion = Occasion.objects.get()
    assert (occasion.key, occasion.person_id, occasion.subject_id) == (
        f"until:{due.pk}:2026-03-31",
        due.holder.pk,
        due.pk,
    )
    # 30 days before 2026-03-31 09:00 in Shanghai
    assert occasion.due_at == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)


def test_an_expiry_reminder_fires_at_its_credentials_own_date_and_moving_the_date_moves_it():
    holder = UserFactory(name="鲍勃")
    made = credential(holder, until=date(2026, 4, 10))
    credential_rule()  # 30 days before: 2026-03-11 09:00 Shanghai, 01:00 UTC

    deliver(now=datetime(2026, 3, 11, 0, 59, tzinfo=UTC))
    assert Occasion.objects.count() == 0

    # when the credential is extended before its reminder fired
    Credential.objects.filter(pk=made.pk).update(valid_until=date(2026, 4, 20))
    deliver(now=datetime(2026, 3, 11, 1, 0, tzinfo=UTC))
    assert Notification.objects.count() == 0
    deliver(now=datetime(2026, 3, 21, 1, 0, tzinfo=UTC))
    deliver(now=datetime(2026, 3, 21, 1, 1, tzinfo=UTC))

    # then one reminder, at the new time, naming the new date
    assert [(o.due_at, o.key) for o in Occasion.objects.all()] == [
        (datetime(2026, 3, 21, 1, 0, tzinfo=UTC), f"until:{made.pk}:2026-04-20")
    ]
    assert list(Notification.objects.values_list("body", flat=True)) == [
        f"鲍勃，您的执法证{made.number}将于2026-04-20到期。http://127.0.0.1:8000/credentials/"
    ]

    # and extended again after it fired: reminded once more before the new end
    Credential.objects.filter(pk=made.pk).update(valid_until=date(2026, 6, 1))
    deliver(now=datetime(2026, 5, 2, 1, 0, tzinfo=UTC))
    deliver(now=datetime(2026, 5, 2, 1, 1, tzinfo=UTC))
    assert Occasion.objects.count() == 2
    assert Notification.objects.count() == 2


def test_a_credential_already_inside_the_nearer_window_hears_only_the_nearer_reminder():
    # given the 90- and the 30-day expiry rules, a credential ending in 10 days (granted late, or the
    # rules added late), and one ending in 60 days
    credential_rule(offset_minutes=-90 * DAY, title="九十天：{证号}")
    credential_rule(offset_minutes=-30 * DAY, title="三十天：{证号}")
    soon = credential(UserFactory(), until=date(2026, 3, 12))
    later = credential(UserFactory(), until=date(2026, 5, 1))

    # when the sweeps run, now and again a minute later
    deliver(now=NOW)
    deliver(now=NOW + timedelta(minutes=1))

    # then the one ending soon hears the 30-day reminder only, the other the 90-day one only
    assert sorted(Notification.objects.values_list("person_id", "title")) == sorted(
        [(soon.holder_id, f"三十天：{soon.number}"), (later.holder_id, f"九十天：{later.number}")]
    )


def test_a_holder_who_renews_between_the_fan_out_and_the_send_is_skipped():
    made = credential(until=date(2026, 3, 20))
    kept = credential(until=date(2026, 3, 25))
    credential_rule()
    fan_out(NOW)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2

    credential(made.holder, granted_at=NOW)  # renewed
    send(NOW)

    assert dict(Delivery.objects.values_list("person_id", "status")) == {
        made.holder.pk: DeliveryStatus.SKIPPED,
        kept.holder.pk: DeliveryStatus.SENT,
    }
    assert list(Notification.objects.values_list("person_id", flat=True)) == [kept.holder.pk]


@pytest.fixture
def review_holders() -> dict[str, Any]:
    bureau = DepartmentFactory(name="市局")
    strict = DepartmentFactory(name="严格局")

    def officer(**kwargs: Any) -> Any:
        return UserFactory(is_enforcement_officer=True, **kwargs)

    holders = {
        "short": credential(officer(name="甲", department=bureau)),
        "enough": credential(officer(name="乙", department=bureau)),
        "strict": credential(officer(name="丙", department=DepartmentFactory(parent=strict))),
        "new": credential(officer(department=bureau), granted_at=datetime(2026, 2, 1, 2, 0, tzinfo=UTC)),
        "suspended": credential(officer(department=bureau)),
        "not_officer": credential(UserFactory(department=bureau, is_enforcement_officer=False)),
    }
    hours(holders["short"].holder, "10")
    hours(holders["short"].holder, "35", year=2025)  # last year's hours do not count
    hours(holders["enough"].holder, "40")
    hours(holders["strict"].holder, "45")
    credential_services.review_hours_set(bureau_id=strict.pk, required_hours=Decimal("60"))
    credential_services.credential_suspend(
        credential_id=holders["suspended"].pk, reason="调查", actor=AdminFactory(), now=NOW
    )
    credential_services.review_schedule(year=2026, review_on=date(2026, 12, 20), actor=None)
    return holders


def test_hours_short_reaches_valid_holders_below_their_bureaus_requirement_before_the_review(review_holders):
    credential_rule(
        event=Event.CREDENTIAL_HOURS_SHORT,
        offset_minutes=-60 * DAY,
        enforcement_officers_only=True,
        title="学时不足",
        body="{姓名}，年审于{截止时间}，请补足学时（{证号}）。{链接}",
    )
    # 60 days before 2026-12-20 09:00 Shanghai is 2026-10-21 01:00 UTC
    deliver(now=datetime(2026, 10, 21, 0, 59, tzinfo=UTC))
    assert Occasion.objects.count() == 0

    fan_out(datetime(2026, 10, 21, 1, 0, tzinfo=UTC))
    # the strict bureau's holder earns the missing hours before the send: skipped
    hours(review_holders["strict"].holder, "15")
    send(datetime(2026, 10, 21, 1, 0, tzinfo=UTC))
    deliver(now=datetime(2026, 10, 22, 1, 0, tzinfo=UTC))

    short = review_holders["short"]
    assert inbox() == [
        (
            short.holder.pk,
            "学时不足",
            f"甲，年审于2026-12-20，请补足学时（{short.number}）。http://127.0.0.1:8000/credentials/",
            "/credentials/",
        )
    ]
    assert sorted(Occasion.objects.values_list("key", flat=True)) == sorted(
        [f"hours:{short.pk}:2026", f"hours:{review_holders['strict'].pk}:2026"]
    )
    assert dict(Delivery.objects.values_list("person_id", "status")) == {
        short.holder.pk: DeliveryStatus.SENT,
        review_holders["strict"].holder.pk: DeliveryStatus.SKIPPED,
    }


def test_a_review_held_the_year_after_the_year_it_covers_reminds_of_that_years_hours():
    # given the 2025 review held on 2026-03-20, a holder with 10 of the 40 hours in 2025 (and 50 in
    # 2026, which this review does not count)
    short = credential(
        UserFactory(name="甲", is_enforcement_officer=True), granted_at=datetime(2024, 3, 2, 2, 0, tzinfo=UTC)
    )
    hours(short.holder, "10", year=2025)
    hours(short.holder, "50", year=2026)
    credential_services.review_schedule(year=2025, review_on=date(2026, 3, 20), actor=None)
    credential_rule(
        event=Event.CREDENTIAL_HOURS_SHORT,
        offset_minutes=-10 * DAY,
        title="学时不足",
        body="{姓名}，年审于{截止时间}，请补足学时。",
    )

    # when the rule's moment comes (10 days before 2026-03-20 09:00 Shanghai) and it is sent
    deliver(now=datetime(2026, 3, 10, 1, 0, tzinfo=UTC))

    # then the holder is reminded once, of the 2025 review's date, under the 2025 review's key
    assert list(Occasion.objects.values_list("key", flat=True)) == [f"hours:{short.pk}:2025"]
    assert inbox() == [(short.holder.pk, "学时不足", "甲，年审于2026-03-20，请补足学时。", "/credentials/")]
    assert list(Delivery.objects.values_list("status", flat=True)) == [DeliveryStatus.SENT]


def test_the_preview_of_a_credential_rule_counts_names_and_renders_each_holders_own_text():
    anna = credential(UserFactory(name="安娜"), until=date(2026, 3, 20))
    bob = credential(UserFactory(name="鲍勃"), until=date(2026, 3, 31))
    credential(UserFactory(name="陈晨"), until=date(2026, 9, 1))
    rule = credential_rule(body="{姓名}：{证号}，{截止时间}")

    preview = rule_preview(rule=rule, now=NOW)

    assert (preview.count, preview.due_at) == (2, None)
    assert [(line.person.pk, line.title, line.body) for line in preview.lines] == [
        (anna.holder.pk, f"到期：{anna.number}", f"安娜：{anna.number}，2026-03-20"),
        (bob.holder.pk, f"到期：{bob.number}", f"鲍勃：{bob.number}，2026-03-31"),
    ]
    assert preview.lines[0].body_parts == [
        ("安娜", True),
        ("：", False),
        (anna.number, True),
        ("，", False),
        ("2026-03-20", True),
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"event": Event.SESSION_OPENS}, "event"),
        ({"fixed_at": NOW}, "fixed_at"),
        ({"offset_minutes": 60}, "offset_minutes"),
        ({"via_inbox": False}, "via_inbox"),
    ],
)
def test_a_credential_rule_that_does_not_fit_is_refused_naming_the_field(changes, field):
    with pytest.raises(RuleInvalid) as refused:
        credential_rule(**changes)
    assert refused.value.field == field
    assert ReminderRule.objects.count() == 0


def test_a_credential_rule_may_not_name_a_session(one_question_exam):
    from tests.reminders.conftest import session_for

    session = session_for(one_question_exam, opens_at=NOW, closes_at=NOW + timedelta(days=1))
    with pytest.raises(RuleInvalid) as refused:
        credential_rule(session=session)
    assert refused.value.field == "session"
    assert ReminderRule.objects.count() == 0


def test_placeholders_are_checked_per_target_and_nothing_is_saved(one_question_exam):
    from tests.reminders.conftest import session_for

    with pytest.raises(UnknownPlaceholder) as refused:
        credential_rule(body="{姓名}，请参加{考试名称}")
    assert refused.value.field == "body"
    assert "{考试名称}" in refused.value.message
    assert "{证号}" in refused.value.message

    session = session_for(one_question_exam, opens_at=NOW, closes_at=NOW + timedelta(days=1))
    with pytest.raises(UnknownPlaceholder):
        services.rule_create(
            data=services.RuleIn(
                target=Target.SESSION, event=Event.SESSION_OPENS, session=session, title="{证号}", body="x"
            ),
            actor=None,
        )
    assert ReminderRule.objects.count() == 0


def test_the_bureau_wide_credential_defaults_are_made_once_and_a_deleted_one_stays_deleted():
    assert services.default_rules_ensure(now=NOW) == 3
    assert services.default_rules_ensure(now=NOW) == 0
    assert sorted(
        ReminderRule.objects.filter(target=Target.CREDENTIAL).values_list(
            "event", "offset_minutes", "is_default"
        )
    ) == [
        (Event.CREDENTIAL_EXPIRING, -90 * DAY, True),
        (Event.CREDENTIAL_EXPIRING, -30 * DAY, True),
        (Event.CREDENTIAL_HOURS_SHORT, -60 * DAY, True),
    ]
    services.rule_delete(rule=ReminderRule.objects.filter(event=Event.CREDENTIAL_HOURS_SHORT).get())
    assert services.default_rules_ensure(now=NOW) == 0
    assert ReminderRule.objects.count() == 2


def test_administrators_add_and_preview_credential_rules_in_the_pages_and_others_may_not(client):
    # the pages preview at the real time: a credential ending in ten days
    holder = credential(UserFactory(name="安娜"), until=timezone.localdate() + timedelta(days=10))
    form = {
        "event": Event.CREDENTIAL_EXPIRING,
        "offset_minutes": str(-30 * DAY),
        "via_inbox": "on",
        "title": "到期：{证号}",
        "body": "{姓名}，请换证",
        "is_active": "on",
    }
    for outsider in (UserFactory(), LeaderFactory(leader_of=[DepartmentFactory()])):
        client.force_login(outsider)
        assert client.post("/reminders/rules/new/", form).status_code == 403
        assert client.get("/reminders/rules/").status_code == 403
    assert ReminderRule.objects.count() == 0

    admin = AdminFactory()
    client.force_login(admin)
    refused = client.post("/reminders/rules/new/", {**form, "offset_minutes": "60"})
    assert refused.status_code == 200
    assert ReminderRule.objects.count() == 0

    created = client.post("/reminders/rules/new/", form)
    rule = ReminderRule.objects.get()
    assert created.status_code == 302
    assert (rule.target, rule.event, rule.offset_minutes, rule.created_by) == (
        Target.CREDENTIAL,
        Event.CREDENTIAL_EXPIRING,
        -30 * DAY,
        admin,
    )
    preview = client.get(f"/reminders/rules/{rule.pk}/preview/")
    assert preview.status_code == 200
    assert holder.number in preview.content.decode()
    assert "安娜" in preview.content.decode()
    for outsider in (UserFactory(), LeaderFactory(leader_of=[DepartmentFactory()])):
        client.force_login(outsider)
        assert client.get(f"/reminders/rules/{rule.pk}/preview/").status_code == 403
        assert client.get(f"/reminders/rules/{rule.pk}/").status_code == 403


def test_the_admin_saves_a_credential_rule_through_the_service(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    form = {
        "event": Event.CREDENTIAL_HOURS_SHORT,
        "offset_minutes": str(-60 * DAY),
        "via_inbox": "on",
        "title": "学时：{证号}",
        "body": "{姓名}{课程名称}",
        "is_active": "on",
        "fixed_at": "",
    }
    refused = client.post("/admin/reminders/reminderrule/add/", form)
    assert refused.status_code == 200
    assert ReminderRule.objects.count() == 0

    client.post("/admin/reminders/reminderrule/add/", {**form, "body": "{姓名}，请补足学时"})
    assert list(ReminderRule.objects.values_list("target", "event", "body")) == [
        (Target.CREDENTIAL, Event.CREDENTIAL_HOURS_SHORT, "{姓名}，请补足学时")
    ]
