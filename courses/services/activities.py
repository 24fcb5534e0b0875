"""Study activities (会前学法, 法治讲堂, 普法活动), their attendees and the hours each attendee earns."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import Conflict, ValidationFailed
from exams.law_areas import law_area_names
from people.models import Department, User
from people.scope import subtree_q

from ..errors import SignInClosed
from ..models import (
    ActivityAttendance,
    ActivityKind,
    ActivitySignIn,
    AttendanceMethod,
    HoursSource,
    StudyActivity,
    StudyHoursEntry,
)

SIGN_IN_MAX_MINUTES = 24 * 60


# What an activity is written with, in the order a form shows it: the page's and the admin's form
# and the API's serializer all take this one list.
ACTIVITY_FIELDS = [
    "kind",
    "title",
    "held_on",
    "meeting",
    "speaker",
    "speaker_title",
    "law_area",
    "topic",
    "place",
    "audience",
    "materials",
    "people_reached",
    "hours",
    "department",
]


@dataclass
class ActivityIn:
    kind: str
    title: str
    held_on: date
    hours: Decimal
    meeting: str = ""
    speaker: str = ""
    speaker_title: str = ""
    law_area: str = ""
    topic: str = ""
    place: str = ""
    audience: str = ""
    materials: str = ""
    people_reached: int | None = None
    department: Department | None = None

    @classmethod
    def from_values(cls, values: Mapping[str, Any], *, base: StudyActivity | None = None) -> ActivityIn:
        """From a form's or a serializer's cleaned values; what they leave out is ``base``'s (a partial update)."""
        current = {name: getattr(base, name) for name in ACTIVITY_FIELDS} if base is not None else {}
        return cls(**{**current, **{name: values[name] for name in ACTIVITY_FIELDS if name in values}})


# The fields that describe each kind of activity (the form shows only these for the chosen kind);
# kind, title, date, hours and department belong to every kind.
FIELDS_BY_KIND: dict[str, list[str]] = {
    ActivityKind.PRE_MEETING: ["meeting", "speaker", "speaker_title", "law_area", "topic"],
    ActivityKind.LECTURE: ["speaker", "speaker_title", "law_area", "topic", "place"],
    ActivityKind.OUTREACH: ["topic", "law_area", "place", "audience", "materials", "people_reached"],
}

# What each kind of activity must record, with the message naming the field.
REQUIRED_BY_KIND: dict[str, list[tuple[str, Any]]] = {
    ActivityKind.PRE_MEETING: [
        ("meeting", gettext_lazy("会前学法须填写会议。")),
        ("speaker", gettext_lazy("会前学法须填写主讲人。")),
        ("topic", gettext_lazy("会前学法须填写所学法律。")),
    ],
    ActivityKind.LECTURE: [
        ("speaker", gettext_lazy("法治讲堂须填写主讲人。")),
        ("topic", gettext_lazy("法治讲堂须填写主题。")),
    ],
    ActivityKind.OUTREACH: [
        ("place", gettext_lazy("普法活动须填写地点。")),
        ("audience", gettext_lazy("普法活动须填写对象。")),
    ],
}


def activity_check(data: ActivityIn) -> None:
    """Tidy and check an activity's fields; raise naming the first field at fault."""
    for name in ("title", "meeting", "speaker", "speaker_title", "topic", "place", "audience", "materials"):
        setattr(data, name, (getattr(data, name) or "").strip())
    if data.kind not in ActivityKind.values:
        raise ValidationFailed(_("活动类型应为会前学法、法治讲堂或普法活动。"), field="kind")
    if not data.title:
        raise ValidationFailed(_("活动名称不能为空。"), field="title")
    if data.law_area and data.law_area not in law_area_names():
        raise ValidationFailed(_("法律领域不在可选范围内。"), field="law_area")
    if data.hours < 0:
        raise ValidationFailed(_("学时不能为负数。"), field="hours")
    if data.people_reached is not None and data.people_reached < 0:
        raise ValidationFailed(_("覆盖人数不能为负数。"), field="people_reached")
    for name, message in REQUIRED_BY_KIND[data.kind]:
        if not getattr(data, name):
            raise ValidationFailed(str(message), field=name)


@transaction.atomic
def activity_create(*, data: ActivityIn, actor: User | None) -> StudyActivity:
    activity_check(data)
    activity = StudyActivity(created_by=actor, **{f.name: getattr(data, f.name) for f in fields(data)})
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, activity: StudyActivity, data: ActivityIn) -> StudyActivity:
    """Change an activity; the attendees' ledger lines follow a new date or a new number of hours."""
    activity_check(data)
    activity = StudyActivity.objects.select_for_update().get(pk=activity.pk)
    for f in fields(data):
        setattr(activity, f.name, getattr(data, f.name))
    activity.save()
    StudyHoursEntry.objects.filter(activity=activity).update(
        hours=activity.hours, year=activity.held_on.year, title=activity.title, earned_at=_earned_at(activity)
    )
    return activity


@transaction.atomic
def activity_delete(*, activity: StudyActivity) -> None:
    """Delete an activity; its attendees lose the hours it credited (the ledger lines go with it)."""
    activity.delete()


def _locked(activity: StudyActivity) -> StudyActivity:
    # Attendance changes of one activity take turns, so two sign-ins at once cannot both insert.
    return StudyActivity.objects.select_for_update().get(pk=activity.pk)


def _earned_at(activity: StudyActivity) -> datetime:
    """An activity's hours count from its day (the start of it, local time), whenever they are entered."""
    return timezone.make_aware(datetime.combine(activity.held_on, time.min))


def _credit(activity: StudyActivity, person_ids: Iterable[int]) -> None:
    StudyHoursEntry.objects.bulk_create(
        [
            StudyHoursEntry(
                person_id=person_id,
                year=activity.held_on.year,
                hours=activity.hours,
                source=HoursSource.ACTIVITY,
                activity=activity,
                title=activity.title,
                earned_at=_earned_at(activity),
            )
            for person_id in person_ids
        ],
        ignore_conflicts=True,
    )


@transaction.atomic
def activity_attendees_add(
    *,
    activity: StudyActivity,
    people: Iterable[User] = (),
    departments: Iterable[Department] = (),
    method: str = AttendanceMethod.MANUAL,
    actor: User | None,
) -> int:
    """Record attendees (given people, and the active staff of whole department subtrees) and credit them.

    People already recorded are left as they are. Returns how many were added.
    """
    activity = _locked(activity)
    wanted = {person.pk for person in people}
    paths = [department.path for department in departments]
    if paths:
        wanted |= set(
            User.objects.filter(subtree_q(paths, field="department__path"), is_active=True).values_list(
                "pk", flat=True
            )
        )
    already = set(
        ActivityAttendance.objects.filter(activity=activity, person_id__in=wanted).values_list(
            "person_id", flat=True
        )
    )
    new = sorted(wanted - already)
    if new:
        # Through the relation, so the audit log records one entry naming everyone added.
        activity.attendees.add(*new, through_defaults={"method": method, "recorded_by": actor})
        _credit(activity, new)
    return len(new)


@transaction.atomic
def activity_attendee_remove(*, activity: StudyActivity, person: User) -> bool:
    """Remove an attendee and the hours the activity credited them. False when they were not recorded."""
    activity = _locked(activity)
    if not ActivityAttendance.objects.filter(activity=activity, person=person).exists():
        return False
    activity.attendees.remove(person)
    StudyHoursEntry.objects.filter(activity=activity, person=person).delete()
    return True


def _new_code(now: datetime) -> str:
    for _attempt in range(20):
        code = f"{secrets.randbelow(10**6):06d}"
        if not ActivitySignIn.objects.filter(code=code, expires_at__gt=now).exists():
            return code
    raise Conflict(_("暂时无法生成签到码，请重试。"))


@transaction.atomic
def activity_sign_in_open(
    *, activity: StudyActivity, actor: User | None, now: datetime, minutes: int = 30
) -> ActivitySignIn:
    """Open a sign-in for ``minutes``: a secret link for the QR code and a six-digit code to type."""
    if not 1 <= minutes <= SIGN_IN_MAX_MINUTES:
        raise ValidationFailed(
            _("签到时长应在 1 至 %(max)s 分钟之间。") % {"max": SIGN_IN_MAX_MINUTES}, field="minutes"
        )
    return ActivitySignIn.objects.create(
        activity=activity,
        token=secrets.token_urlsafe(24),
        code=_new_code(now),
        opened_by=actor,
        opened_at=now,
        expires_at=now + timedelta(minutes=minutes),
    )


@transaction.atomic
def activity_sign_in(
    *, sign_in: ActivitySignIn, person: User, now: datetime
) -> tuple[ActivityAttendance, bool]:
    """Record ``person`` as an attendee through an open sign-in; a second sign-in changes nothing.

    Returns the attendance and whether it was created now.
    """
    if now >= sign_in.expires_at:
        raise SignInClosed(_("签到已截止。"))
    activity = _locked(sign_in.activity)
    existing = ActivityAttendance.objects.filter(activity=activity, person=person).first()
    if existing is not None:
        return existing, False
    activity.attendees.add(
        person, through_defaults={"method": AttendanceMethod.SIGN_IN, "recorded_by": person}
    )
    _credit(activity, [person.pk])
    return ActivityAttendance.objects.get(activity=activity, person=person), True
