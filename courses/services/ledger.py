"""Correcting the study-hours ledger: it is append-only, so a wrong line is reversed, never edited or
deleted.

``study_hours_entry_reverse`` adds one line that negates an earlier one (same person and year,
hours negated), with the reason and who recorded it, so a person's total drops by exactly the
reversed hours and the history shows both lines. A line is reversed at most once (a one-to-one key
decides, not a check), and a correction is not itself corrected. The new line is audited like
every administrative change.
"""

from __future__ import annotations

from datetime import datetime

from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from common.errors import ValidationFailed
from people.models import User

from ..errors import CorrectionNotReversible, EntryAlreadyReversed
from ..models import HoursSource, StudyHoursEntry


@transaction.atomic
def study_hours_entry_reverse(
    *, entry_id: int, reason: str, actor: User | None, now: datetime
) -> StudyHoursEntry:
    """Reverse ledger line ``entry_id``; raise naming the fault and change nothing when refused."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("请填写更正原因。"), field="reason")
    if len(reason) > 300:
        raise ValidationFailed(_("更正原因不能超过 300 字。"), field="reason")
    entry = StudyHoursEntry.objects.select_for_update().get(pk=entry_id)
    if entry.source == HoursSource.CORRECTION:
        raise CorrectionNotReversible(_("更正记录不能再更正。"))
    if StudyHoursEntry.objects.filter(corrects=entry).exists():
        raise EntryAlreadyReversed(_("这条学时记录已经更正过。"))
    try:
        with transaction.atomic():
            correction = StudyHoursEntry.objects.create(
                person_id=entry.person_id,
                year=entry.year,
                hours=-entry.hours,
                source=HoursSource.CORRECTION,
                title=_("更正：%(title)s") % {"title": entry.title},
                earned_at=now,
                corrects=entry,
                reason=reason,
                recorded_by=actor,
            )
    except IntegrityError as error:
        raise EntryAlreadyReversed(_("这条学时记录已经更正过。")) from error
    LogEntry.objects.log_create(
        correction,
        action=LogEntry.Action.CREATE,
        changes={"hours": ["", str(correction.hours)], "corrects": ["", str(entry.pk)]},
        actor=actor,
        additional_data={"reason": reason, "person": entry.person_id, "reversed_hours": str(entry.hours)},
    )
    return correction
