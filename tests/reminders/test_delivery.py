"""The delivery path in-process: occasions at their time and once, exact recipient sets, the fan-out's
unique rows, the send marking rows sent and skipping those who acted, working hours and back-off."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core import mail

from courses.models import StudyHoursEntry
from courses.services import activity_attendees_add, course_complete
from exams import services as exam_services
from reminders import services
from reminders.models import (
    Channel,
    Delivery,
    DeliveryStatus,
    Event,
    FanOutBatch,
    Notification,
    Occasion,
    Target,
)
from tests.factories import (
    ConstitutionCourseFactory,
    CourseFactory,
    DepartmentFactory,
    SessionRuleFactory,
    StudyActivityFactory,
    StudyPlanFactory,
    UserFactory,
)
from tests.reminders.conftest import deliver, session_for, sit

# 10:00 in Shanghai: inside working hours.
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.django_db


def inbox(person):
    return list(Notification.objects.filter(person=person).values_list("title", "body", "url"))


def test_a_rule_fires_at_its_time_once_and_a_second_sweep_sends_nothing_new(one_question_exam):
    # given a session opening in two days, and a rule one day before it opens
    dept = DepartmentFactory(name="法制科")
    anna = UserFactory(name="安娜", department=dept)
    session = session_for(
        one_question_exam, opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=3)
    )
    SessionRuleFactory(
        session=session,
        offset_minutes=-24 * 60,
        title="明天考试：{考试名称}",
        body="{姓名}，{考试名称}将于{截止时间}截止。{链接}",
    )

    # when the sweep runs before the moment, then at it, then again
    deliver(now=NOW + timedelta(hours=23, minutes=59))
    assert Occasion.objects.count() == 0
    deliver(now=NOW + timedelta(days=1))
    deliver(now=NOW + timedelta(days=1, minutes=1))

    # then exactly one message, with every placeholder filled
    assert inbox(anna) == [
        (
            f"明天考试：{session.title}",
            f"安娜，{session.title}将于2026-03-05 10:00截止。http://127.0.0.1:8000/exams/#session-{session.pk}",
            f"/exams/#session-{session.pk}",
        )
    ]
    assert Occasion.objects.count() == 1
    assert list(Delivery.objects.values_list("person_id", "channel", "status", "sent_at")) == [
        (anna.pk, Channel.INBOX, DeliveryStatus.SENT, NOW + timedelta(days=1))
    ]


def test_moving_the_session_moves_its_reminder(one_question_exam):
    anna = UserFactory()
    session = session_for(
        one_question_exam, opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=3)
    )
    SessionRuleFactory(session=session, offset_minutes=-60)

    # when the session is moved a day later before its reminder fired
    exam_services.session_update(
        session=session, opens_at=NOW + timedelta(days=3), closes_at=NOW + timedelta(days=4)
    )
    deliver(now=NOW + timedelta(days=2, minutes=-60))

    # then nothing at the old time, one message at the new one
    assert inbox(anna) == []
    deliver(now=NOW + timedelta(days=3, minutes=-60))
    assert len(inbox(anna)) == 1
    assert Occasion.objects.get().due_at == NOW + timedelta(days=3, minutes=-60)


def test_only_people_who_still_have_to_act_are_reminded_exact_sets(one_question_exam):
    # given a session for one department subtree, officers only, and people who did and did not act
    top = DepartmentFactory(name="城建局")
    team = DepartmentFactory(name="一大队", parent=top)
    other = DepartmentFactory(name="财政局")
    waiting = UserFactory(department=team, is_enforcement_officer=True)
    submitted = UserFactory(department=team, is_enforcement_officer=True)
    not_officer = UserFactory(department=team, is_enforcement_officer=False)
    outside = UserFactory(department=other, is_enforcement_officer=True)
    inactive = UserFactory(department=top, is_enforcement_officer=True, is_active=False)
    session = session_for(
        one_question_exam,
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
        departments=[top],
        enforcement_officers_only=True,
    )
    sit(session, submitted, now=NOW - timedelta(minutes=30), passing=False)
    SessionRuleFactory(session=session, event=Event.SESSION_CLOSES, offset_minutes=-24 * 60)

    deliver(now=NOW)

    assert set(Delivery.objects.values_list("person_id", flat=True)) == {waiting.pk}
    assert set(Notification.objects.values_list("person_id", flat=True)) == {waiting.pk}
    assert not {not_officer.pk, outside.pk, inactive.pk} & set(
        Notification.objects.values_list("person_id", flat=True)
    )


def test_a_person_who_acts_between_fan_out_and_send_is_skipped(one_question_exam):
    anna, bob = UserFactory(), UserFactory()
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    SessionRuleFactory(session=session, event=Event.SESSION_CLOSES, offset_minutes=-24 * 60)
    services.occasions_create_due(now=NOW)
    services.occasions_plan(now=NOW)
    for batch_id in services.batches_claim(now=NOW):
        services.batch_fan_out(batch_id=batch_id, now=NOW)
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 2

    # when bob submits before the send runs
    sit(session, bob, now=NOW, passing=True)
    for occasion_id, channel in services.sends_due(now=NOW):
        services.deliveries_send(occasion_id=occasion_id, channel=channel, now=NOW)

    assert dict(Delivery.objects.values_list("person_id", "status")) == {
        anna.pk: DeliveryStatus.SENT,
        bob.pk: DeliveryStatus.SKIPPED,
    }
    assert list(Notification.objects.values_list("person_id", flat=True)) == [anna.pk]


def test_after_a_failed_attempt_only_that_person_is_reminded_while_a_retake_is_left(one_question_exam):
    failed, passed, used_up = UserFactory(), UserFactory(), UserFactory()
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=3), closes_at=NOW + timedelta(days=1)
    )
    SessionRuleFactory(
        session=session, event=Event.SESSION_FAILED, offset_minutes=60, title="补考：{考试名称}"
    )
    sit(session, failed, now=NOW - timedelta(hours=2), passing=False)
    sit(session, passed, now=NOW - timedelta(hours=2), passing=True)
    sit(session, used_up, now=NOW - timedelta(hours=2, minutes=30), passing=False)
    sit(session, used_up, now=NOW - timedelta(hours=2), passing=False)

    deliver(now=NOW)
    deliver(now=NOW + timedelta(minutes=1))

    assert list(Notification.objects.values_list("person_id", flat=True)) == [failed.pk]
    # one occasion per failed attempt: the used-up person's two attempts, the failed one's one
    assert Occasion.objects.count() == 3


def test_plan_rule_reaches_those_behind_on_courses_or_hours():
    # given a plan requiring one course and 2 hours; one person completed it (2 hours), one did not,
    # and one completed another course worth 2 hours but not the required one
    course = ConstitutionCourseFactory(study_hours=Decimal("2.0"))
    other_course = CourseFactory(study_hours=Decimal("2.0"))
    plan = StudyPlanFactory(year=2026, courses=[course], required_hours=Decimal("2.0"))
    behind, done, hours_only = UserFactory(), UserFactory(), UserFactory()
    course_complete(course=course, user=done, now=NOW)
    course_complete(course=other_course, user=hours_only, now=NOW)
    assert StudyHoursEntry.objects.filter(person=done, year=2026).count() == 1
    services.rule_create(
        data=services.RuleIn(
            target=Target.PLAN,
            event=Event.PLAN_BEHIND,
            plan=plan,
            fixed_at=NOW,
            title="进度：{课程名称}",
            body="{姓名}，请于{截止时间}前完成。",
        ),
        actor=None,
    )

    deliver(now=NOW)

    assert sorted(Notification.objects.values_list("person_id", "body")) == [
        (behind.pk, f"{behind.display_name}，请于2026-12-31前完成。"),
        (hours_only.pk, f"{hours_only.display_name}，请于2026-12-31前完成。"),
    ]


def test_activity_rule_reaches_the_named_attendees_the_day_before():
    activity = StudyActivityFactory(held_on=date(2026, 3, 3))
    named, other = UserFactory(), UserFactory()
    activity_attendees_add(activity=activity, people=[named], actor=None)
    services.rule_create(
        data=services.RuleIn(
            target=Target.ACTIVITY,
            event=Event.ACTIVITY_DAY_BEFORE,
            activity=activity,
            offset_minutes=-24 * 60,
            title="明日学法：{课程名称}",
            body="{姓名}，明天（{截止时间}）参加{课程名称}。",
        ),
        actor=None,
    )

    # 2026-03-02 09:00 Shanghai is 01:00 UTC: the day before at 09:00
    deliver(now=datetime(2026, 3, 2, 0, 59, tzinfo=UTC))
    assert Notification.objects.count() == 0
    deliver(now=datetime(2026, 3, 2, 1, 0, tzinfo=UTC))

    assert list(Notification.objects.values_list("person_id", "title")) == [
        (named.pk, f"明日学法：{activity.title}")
    ]
    assert other.pk not in Notification.objects.values_list("person_id", flat=True)


def test_fan_out_twice_inserts_each_row_once_and_batches_cover_everyone(one_question_exam, settings):
    settings.REMINDERS_FAN_OUT_BATCH = 3
    people = UserFactory.create_batch(7)
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    SessionRuleFactory(session=session, via_email=True)
    services.occasions_create_due(now=NOW)
    assert services.occasions_create_due(now=NOW) == 0
    services.occasions_plan(now=NOW)
    assert services.occasions_plan(now=NOW) == 0

    batches = list(FanOutBatch.objects.order_by("first_person_id"))
    assert len(batches) == 3
    occasion = Occasion.objects.get()
    for batch in batches:
        services.deliveries_insert(
            occasion=occasion,
            first_person_id=batch.first_person_id,
            last_person_id=batch.last_person_id,
            now=NOW,
        )
        services.batch_fan_out(batch_id=batch.pk, now=NOW)
        assert services.batch_fan_out(batch_id=batch.pk, now=NOW) == []

    rows = list(Delivery.objects.values_list("person_id", "channel"))
    assert sorted(rows) == sorted((p.pk, c) for p in people for c in (Channel.INBOX, Channel.EMAIL))


def test_email_goes_out_in_working_hours_plain_and_html_and_waits_outside_them(one_question_exam):
    anna = UserFactory(email="anna@example.cn", name="安娜")
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=2)
    )
    SessionRuleFactory(session=session, via_email=True)
    night = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)  # 21:00 Shanghai

    deliver(now=night)
    assert mail.outbox == []
    assert len(inbox(anna)) == 1  # the inbox does not wait
    email_row = Delivery.objects.get(channel=Channel.EMAIL)
    assert (email_row.status, email_row.next_try_at) == (
        DeliveryStatus.PENDING,
        datetime(2026, 3, 3, 0, 0, tzinfo=UTC),  # 08:00 Shanghai the next morning
    )

    deliver(now=datetime(2026, 3, 3, 0, 0, tzinfo=UTC))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["anna@example.cn"]
    assert message.subject == f"考试通知：{session.title}"
    assert "安娜" in message.body
    assert message.alternatives[0][1] == "text/html"
    assert f"http://127.0.0.1:8000/exams/#session-{session.pk}" in message.alternatives[0][0]
    assert Delivery.objects.get(channel=Channel.EMAIL).status == DeliveryStatus.SENT


def test_a_failing_mail_backend_backs_off_then_records_the_failure_and_the_inbox_goes_on(
    one_question_exam, settings
):
    settings.EMAIL_BACKEND = "tests.reminders.failing_mail.Backend"
    anna = UserFactory(email="anna@example.cn")
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=2)
    )
    SessionRuleFactory(session=session, via_email=True)

    deliver(now=NOW)
    row = Delivery.objects.get(channel=Channel.EMAIL)
    assert (row.tries, row.next_try_at) == (1, NOW + timedelta(seconds=60))
    assert len(inbox(anna)) == 1

    moment = NOW
    for tries in range(2, services.MAX_TRIES + 1):
        moment = Delivery.objects.get(channel=Channel.EMAIL).next_try_at
        deliver(now=moment - timedelta(seconds=1))  # not yet due: nothing tried
        assert Delivery.objects.get(channel=Channel.EMAIL).tries == tries - 1
        deliver(now=moment)
        row = Delivery.objects.get(channel=Channel.EMAIL)
        assert row.tries == tries
        if tries < services.MAX_TRIES:
            assert row.next_try_at == moment + timedelta(seconds=60 * 2 ** (tries - 1))

    assert (row.status, row.error) == (
        DeliveryStatus.FAILED,
        "ConnectionRefusedError: the mail server is down",
    )
    assert Delivery.objects.get(channel=Channel.INBOX).status == DeliveryStatus.SENT


def test_a_paused_rule_does_not_fire_and_a_deleted_one_keeps_its_record(one_question_exam):
    anna = UserFactory()
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    rule = SessionRuleFactory(session=session)
    services.rule_set_active(rule=rule, is_active=False)
    deliver(now=NOW)
    assert inbox(anna) == []

    services.rule_set_active(rule=rule, is_active=True)
    deliver(now=NOW + timedelta(minutes=1))
    assert len(inbox(anna)) == 1
    services.rule_delete(rule=rule)
    assert Delivery.objects.filter(person=anna, status=DeliveryStatus.SENT).count() == 1


def test_a_closed_session_sends_nothing_late(one_question_exam):
    UserFactory()
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(days=2), closes_at=NOW - timedelta(days=1)
    )
    SessionRuleFactory(session=session)
    deliver(now=NOW)
    assert (Occasion.objects.count(), Notification.objects.count()) == (0, 0)


@pytest.mark.parametrize("people", [3, 40])
def test_the_fan_out_and_send_cost_a_fixed_number_of_queries(
    one_question_exam, django_assert_max_num_queries, people
):
    UserFactory.create_batch(people)
    session = session_for(
        one_question_exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=1)
    )
    SessionRuleFactory(session=session)
    services.occasions_create_due(now=NOW)
    services.occasions_plan(now=NOW)
    (batch_id,) = services.batches_claim(now=NOW)

    # lock the batch, read the occasion and the session's departments, one INSERT … SELECT, mark done
    # (plus the savepoint and its release)
    with django_assert_max_num_queries(7):
        services.batch_fan_out(batch_id=batch_id, now=NOW)
    occasion = Occasion.objects.get()
    # read the occasion; then one chunk: lock its rows' ids, the session's departments, mark skipped
    # whoever no longer has to act, INSERT … SELECT the messages (rendered by the database), mark the
    # rows sent (plus the savepoint and its release): no row or person read into Python
    with django_assert_max_num_queries(8):
        result = services.deliveries_send(occasion_id=occasion.pk, channel=Channel.INBOX, now=NOW)
    assert result.sent == people


def test_the_inbox_text_the_database_renders_is_the_text_python_renders(one_question_exam):
    # given names of every shape, and a session title that itself looks like a placeholder
    named = UserFactory(name="安娜")
    full_name = UserFactory(name="", first_name="Bo", last_name="Li", username="boli")
    bare = UserFactory(name="", first_name="", last_name="", username="chen")
    session = session_for(
        one_question_exam,
        opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=1),
        title="{姓名}的考试 100%",
    )
    SessionRuleFactory(
        session=session, title="{姓名}：{考试名称}", body="{姓名}，{考试名称}于{截止时间}截止。{链接} {姓名}"
    )

    deliver(now=NOW)

    link = f"http://127.0.0.1:8000/exams/#session-{session.pk}"
    assert sorted(Notification.objects.values_list("person_id", "title", "body")) == sorted(
        (
            person.pk,
            f"{name}：{{姓名}}的考试 100%",
            f"{name}，{{姓名}}的考试 100%于2026-03-03 10:00截止。{link} {name}",
        )
        for person, name in ((named, "安娜"), (full_name, "Bo Li"), (bare, "chen"))
    )
    assert [person.display_name for person in (named, full_name, bare)] == ["安娜", "Bo Li", "chen"]
