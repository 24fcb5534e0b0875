"""The study-hours ledger is append-only: a wrong line is reversed with a reason, never edited or deleted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from common.errors import ValidationFailed
from courses.models import HoursSource, StudyHoursEntry
from courses.selectors import study_hours_total
from courses.services import (
    CorrectionNotReversible,
    EntryAlreadyReversed,
    activity_attendees_add,
    study_hours_entry_reverse,
)
from tests.factories import AdminFactory, StudyActivityFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 6, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def credited(person, hours="2.0"):
    activity = StudyActivityFactory(title="五月法治讲堂", held_on=date(2026, 5, 5), hours=Decimal(hours))
    activity_attendees_add(activity=activity, people=[person], actor=None)
    return StudyHoursEntry.objects.get(person=person, activity=activity)


def test_a_reversal_adds_a_negating_line_with_the_reason_and_keeps_the_original():
    person, admin = UserFactory(), AdminFactory()
    entry = credited(person)

    correction = study_hours_entry_reverse(
        entry_id=entry.pk, reason="误登记，本人未参加", actor=admin, now=NOW
    )

    assert (correction.person_id, correction.year, correction.hours) == (person.pk, 2026, Decimal("-2.0"))
    assert (correction.source, correction.corrects_id, correction.reason) == (
        HoursSource.CORRECTION,
        entry.pk,
        "误登记，本人未参加",
    )
    assert correction.recorded_by == admin
    assert correction.title == "更正：五月法治讲堂"
    assert StudyHoursEntry.objects.filter(pk=entry.pk, hours=Decimal("2.0")).exists()
    assert study_hours_total(person=person, year=2026) == Decimal("0.0")
    log = LogEntry.objects.get(
        content_type=ContentType.objects.get_for_model(StudyHoursEntry), object_pk=str(correction.pk)
    )
    assert log.actor == admin
    assert log.additional_data == {
        "reason": "误登记，本人未参加",
        "person": person.pk,
        "reversed_hours": "2.0",
    }


@pytest.mark.parametrize("reason", ["", "   ", "长" * 301])
def test_a_reversal_without_a_sensible_reason_is_refused_and_changes_nothing(reason):
    entry = credited(UserFactory())

    with pytest.raises(ValidationFailed) as refused:
        study_hours_entry_reverse(entry_id=entry.pk, reason=reason, actor=None, now=NOW)

    assert refused.value.field == "reason"
    assert StudyHoursEntry.objects.count() == 1


def test_a_line_is_reversed_once_and_a_correction_is_not_reversed():
    entry = credited(UserFactory())
    correction = study_hours_entry_reverse(entry_id=entry.pk, reason="误登记", actor=None, now=NOW)

    with pytest.raises(EntryAlreadyReversed):
        study_hours_entry_reverse(entry_id=entry.pk, reason="再来一次", actor=None, now=NOW)
    with pytest.raises(CorrectionNotReversible):
        study_hours_entry_reverse(entry_id=correction.pk, reason="撤销更正", actor=None, now=NOW)

    assert StudyHoursEntry.objects.count() == 2


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_admin_cannot_add_edit_or_delete_ledger_lines(admin_client):
    entry = credited(UserFactory())
    changelist = reverse("admin:courses_studyhoursentry_changelist")

    page = admin_client.get(changelist).content.decode()
    deleted = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )

    assert 'value="delete_selected"' not in page
    assert 'value="reverse"' in page
    assert admin_client.get(reverse("admin:courses_studyhoursentry_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:courses_studyhoursentry_delete", args=[entry.pk])).status_code == 403
    )
    assert deleted.status_code in (200, 302)
    assert StudyHoursEntry.objects.filter(pk=entry.pk).exists()


def test_the_admin_reverses_selected_lines_after_asking_for_the_reason(admin_client):
    person = UserFactory()
    entry = credited(person)
    changelist = reverse("admin:courses_studyhoursentry_changelist")
    selected = {"action": "reverse", "_selected_action": [entry.pk]}

    asked = admin_client.post(changelist, selected)
    refused = admin_client.post(changelist, {**selected, "apply": "1", "reason": ""})
    done = admin_client.post(changelist, {**selected, "apply": "1", "reason": "重复登记"})

    assert asked.status_code == 200
    assert "更正原因" in asked.content.decode()
    assert refused.status_code == 200
    assert "请填写更正原因。" in refused.content.decode()
    assert done.status_code == 302
    assert list(StudyHoursEntry.objects.order_by("pk").values_list("hours", "reason")) == [
        (Decimal("2.0"), ""),
        (Decimal("-2.0"), "重复登记"),
    ]
