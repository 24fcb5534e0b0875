from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from common.errors import ValidationFailed
from courses.models import (
    ActivityAttendance,
    ActivityKind,
    AttendanceMethod,
    HoursSource,
    StudyActivity,
    StudyHoursEntry,
)
from courses.selectors import activity_list_for_user, pre_meeting_check
from courses.services import (
    ActivityIn,
    SignInClosed,
    activity_attendee_remove,
    activity_attendees_add,
    activity_create,
    activity_delete,
    activity_sign_in,
    activity_sign_in_open,
    activity_update,
)
from tests.factories import AdminFactory, DepartmentFactory, LeaderFactory, StudyActivityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def hours_of(person):
    return sorted(StudyHoursEntry.objects.filter(person=person).values_list("activity_id", "hours"))


@pytest.mark.parametrize(
    ("kind", "missing", "message"),
    [
        (ActivityKind.PRE_MEETING, "meeting", "会前学法须填写会议。"),
        (ActivityKind.PRE_MEETING, "speaker", "会前学法须填写主讲人。"),
        (ActivityKind.PRE_MEETING, "topic", "会前学法须填写所学法律。"),
        (ActivityKind.LECTURE, "speaker", "法治讲堂须填写主讲人。"),
        (ActivityKind.LECTURE, "topic", "法治讲堂须填写主题。"),
        (ActivityKind.OUTREACH, "place", "普法活动须填写地点。"),
        (ActivityKind.OUTREACH, "audience", "普法活动须填写对象。"),
    ],
)
def test_each_kind_of_activity_needs_its_fields_and_a_refusal_creates_nothing(kind, missing, message):
    values = {
        "kind": kind,
        "title": "活动",
        "held_on": date(2026, 5, 20),
        "hours": Decimal("1.0"),
        "meeting": "局党组会",
        "speaker": "张律师",
        "topic": "民法典",
        "place": "幸福里小区",
        "audience": "小区居民",
    }
    values[missing] = "  "
    with pytest.raises(ValidationFailed) as refused:
        activity_create(data=ActivityIn(**values), actor=None)
    assert (refused.value.field, refused.value.message) == (missing, message)
    assert StudyActivity.objects.count() == 0


def test_bulk_entry_by_department_credits_every_active_person_of_the_subtree_once():
    division = DepartmentFactory(name="城建监察支队")
    section = DepartmentFactory(name="一大队", parent=division)
    elsewhere = DepartmentFactory(name="办公室")
    in_division, in_section = UserFactory(department=division), UserFactory(department=section)
    UserFactory(department=section, is_active=False)
    outsider = UserFactory(department=elsewhere)
    admin = AdminFactory()
    activity = StudyActivityFactory(hours=Decimal("1.5"), held_on=date(2026, 5, 18))

    added = activity_attendees_add(activity=activity, departments=[division], actor=admin)

    assert added == 2
    assert set(activity.attendees.all()) == {in_division, in_section}
    assert hours_of(in_section) == [(activity.pk, Decimal("1.5"))]
    assert hours_of(outsider) == []
    entry = StudyHoursEntry.objects.get(person=in_division)
    # The hours count from the day of the activity, whenever they are entered.
    assert (entry.source, entry.year, entry.title, entry.earned_at) == (
        HoursSource.ACTIVITY,
        2026,
        activity.title,
        datetime(2026, 5, 18, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    row = ActivityAttendance.objects.get(person=in_section)
    assert (row.method, row.recorded_by) == (AttendanceMethod.MANUAL, admin)

    # Entering the department again (and one person by hand) adds nobody twice.
    again = activity_attendees_add(
        activity=activity, people=[in_section, outsider], departments=[division], actor=admin
    )
    assert again == 1
    assert StudyHoursEntry.objects.filter(activity=activity).count() == 3


def test_attendance_changes_are_audited_with_who_was_added_and_removed():
    person = UserFactory(name="赵敏")
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    activity_attendee_remove(activity=activity, person=person)
    entries = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(StudyActivity), object_id=activity.pk
    ).order_by("id")
    changes = [entry.changes_dict.get("attendees") for entry in entries if "attendees" in entry.changes_dict]
    assert [(change["operation"], change["objects"]) for change in changes] == [
        ("add", ["赵敏"]),
        ("delete", ["赵敏"]),
    ]


def test_removing_an_attendee_withdraws_their_hours_and_nobody_else_s():
    stays, leaves = UserFactory(), UserFactory()
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[stays, leaves], actor=None)

    assert activity_attendee_remove(activity=activity, person=leaves) is True
    assert activity_attendee_remove(activity=activity, person=leaves) is False

    assert hours_of(leaves) == []
    assert hours_of(stays) == [(activity.pk, Decimal("1.0"))]


def test_changing_hours_or_date_moves_every_attendee_s_ledger_line():
    person = UserFactory()
    activity = StudyActivityFactory(held_on=date(2026, 12, 30))
    activity_attendees_add(activity=activity, people=[person], actor=None)
    data = ActivityIn(
        kind=activity.kind,
        title="改期后的会前学法",
        held_on=date(2027, 1, 4),
        hours=Decimal("2.0"),
        meeting=activity.meeting,
        speaker=activity.speaker,
        topic=activity.topic,
    )
    activity_update(activity=activity, data=data)
    entry = StudyHoursEntry.objects.get(person=person)
    assert (entry.hours, entry.year, entry.title, entry.earned_at) == (
        Decimal("2.0"),
        2027,
        "改期后的会前学法",
        datetime(2027, 1, 4, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
    )


def test_deleting_an_activity_withdraws_the_hours_it_credited():
    person = UserFactory()
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    activity_delete(activity=activity)
    assert StudyHoursEntry.objects.count() == 0
    assert ActivityAttendance.objects.count() == 0


def test_sign_in_records_the_person_once_and_refuses_after_the_deadline():
    admin, person, late = AdminFactory(), UserFactory(), UserFactory()
    activity = StudyActivityFactory(kind=ActivityKind.LECTURE, speaker="刘律师", topic="民法典", meeting="")
    sign_in = activity_sign_in_open(activity=activity, actor=admin, now=NOW, minutes=30)
    assert len(sign_in.code) == 6 and sign_in.code.isdigit()
    assert sign_in.expires_at == NOW + timedelta(minutes=30)

    first, created = activity_sign_in(sign_in=sign_in, person=person, now=NOW + timedelta(minutes=5))
    again, created_again = activity_sign_in(sign_in=sign_in, person=person, now=NOW + timedelta(minutes=6))
    assert (created, created_again, first.pk == again.pk) == (True, False, True)
    assert (first.method, first.recorded_by) == (AttendanceMethod.SIGN_IN, person)
    assert hours_of(person) == [(activity.pk, Decimal("1.0"))]

    with pytest.raises(SignInClosed):
        activity_sign_in(sign_in=sign_in, person=late, now=NOW + timedelta(minutes=30))
    assert hours_of(late) == []
    assert activity.attendance.count() == 1


def test_sign_in_window_must_be_between_a_minute_and_a_day():
    activity = StudyActivityFactory()
    with pytest.raises(ValidationFailed) as refused:
        activity_sign_in_open(activity=activity, actor=None, now=NOW, minutes=0)
    assert refused.value.field == "minutes"
    assert activity.sign_ins.count() == 0


def test_staff_see_activities_they_attended_leaders_their_scope_admins_all():
    division = DepartmentFactory()
    other = DepartmentFactory()
    leader = LeaderFactory(leader_of=[division])
    member = UserFactory(department=division)
    staff = UserFactory(department=other)
    organised_in_scope = StudyActivityFactory(department=division)
    attended_by_member = StudyActivityFactory()
    attended_by_staff = StudyActivityFactory()
    StudyActivityFactory(department=other)
    activity_attendees_add(activity=attended_by_member, people=[member], actor=None)
    activity_attendees_add(activity=attended_by_staff, people=[staff], actor=None)

    assert set(activity_list_for_user(user=staff)) == {attended_by_staff}
    assert set(activity_list_for_user(user=leader)) == {organised_in_scope, attended_by_member}
    assert activity_list_for_user(user=AdminFactory()).count() == 4


def test_monthly_check_marks_months_held_missing_this_month_and_future():
    StudyActivityFactory(held_on=date(2026, 1, 8), speaker="王科长")
    StudyActivityFactory(held_on=date(2026, 1, 22), speaker="李处长")
    StudyActivityFactory(held_on=date(2026, 3, 5))
    StudyActivityFactory(held_on=date(2026, 2, 10), kind=ActivityKind.LECTURE, meeting="")  # not a 会前学法
    StudyActivityFactory(held_on=date(2025, 2, 10))  # another year

    months = pre_meeting_check(year=2026, today=date(2026, 4, 15))

    assert [(m.month, m.state) for m in months] == [
        (1, "held"),
        (2, "missing"),
        (3, "held"),
        (4, "open"),
        *[(month, "future") for month in range(5, 13)],
    ]
    assert [a.speaker for a in months[0].activities] == ["王科长", "李处长"]


def test_monthly_check_is_one_query(django_assert_num_queries):
    for month in range(1, 13):
        StudyActivityFactory(held_on=date(2026, month, 3))
    with django_assert_num_queries(1):
        months = pre_meeting_check(year=2026, today=date(2026, 12, 31))
    assert all(month.held for month in months)
