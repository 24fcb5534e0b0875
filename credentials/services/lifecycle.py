"""The lifecycle of a credential: suspend (暂扣), restore, revoke (吊销), expire.

Legal moves (anything else is refused with a ``Conflict`` carrying a code, and changes nothing):

    suspend:  valid → suspended
    restore:  suspended → valid   (not while its attempt is no longer a pass: ``attempt_not_passed``;
                                   not once its validity has ended: it expires instead)
    revoke:   valid | suspended → revoked   (final: ``credential_revoked`` for every later move)
    expire:   valid | suspended → expired   (the daily task, the day after ``valid_until``)

Suspend, restore and revoke are administrators' acts: each needs a reason and is recorded as a
``CredentialEvent`` (who, when, why, before and after) in the same transaction; each locks the
credential row (``SELECT … FOR UPDATE``) before it reads the status, so two administrators acting
at once are applied one after the other, and the second sees the first's result.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from exams.models import AttemptStatus
from people.models import User

from ..errors import BackingAttemptFailed, CredentialRevoked, IllegalTransition, ReasonRequired
from ..models import Credential, CredentialAction, CredentialStatus
from .events import record, snapshot

# Which statuses each act may start from.
SOURCES: dict[str, set[str]] = {
    CredentialAction.SUSPEND: {CredentialStatus.VALID},
    CredentialAction.RESTORE: {CredentialStatus.SUSPENDED},
    CredentialAction.REVOKE: {CredentialStatus.VALID, CredentialStatus.SUSPENDED},
}
TARGETS: dict[str, str] = {
    CredentialAction.SUSPEND: CredentialStatus.SUSPENDED,
    CredentialAction.RESTORE: CredentialStatus.VALID,
    CredentialAction.REVOKE: CredentialStatus.REVOKED,
}
MAX_REASON = 2000


def _clean_reason(reason: str | None) -> str:
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(_("请填写原因。"), field="reason")
    if len(text) > MAX_REASON:
        raise ReasonRequired(_("原因不能超过 %(n)s 个字。") % {"n": MAX_REASON}, field="reason")
    return text


def _refusal(credential: Credential, action: str) -> IllegalTransition:
    status = CredentialStatus(credential.status).label
    act = CredentialAction(action).label
    if credential.status == CredentialStatus.REVOKED:
        return CredentialRevoked(
            _("执法资格 %(number)s 已吊销，吊销不可撤回，不能再%(act)s。")
            % {"number": credential.number, "act": act}
        )
    return IllegalTransition(
        _("执法资格 %(number)s 当前状态为“%(status)s”，不能%(act)s。")
        % {"number": credential.number, "status": status, "act": act}
    )


@transaction.atomic
def _transition(
    *, credential_id: int, action: str, reason: str | None, actor: User | None, now: datetime
) -> Credential:
    text = _clean_reason(reason)
    credential = Credential.objects.select_for_update().select_related("attempt").get(pk=credential_id)
    if credential.status not in SOURCES[action]:
        raise _refusal(credential, action)
    if action == CredentialAction.RESTORE:
        attempt = credential.attempt
        if not (attempt.status == AttemptStatus.SUBMITTED and attempt.passed is True):
            raise BackingAttemptFailed(
                _("执法资格 %(number)s 所依据的答卷重新评分后不合格，不能恢复。")
                % {"number": credential.number}
            )
        if credential.valid_until < timezone.localdate(now):
            raise IllegalTransition(
                _("执法资格 %(number)s 已超过有效期，不能恢复。") % {"number": credential.number}
            )
    before = snapshot(credential)
    credential.status = TARGETS[action]
    fields = ["status"]
    if action == CredentialAction.REVOKE and credential.flagged_at is not None:
        # Revoking is the administrator's decision on a flagged credential: the flag is settled.
        credential.flagged_at = None
        fields.append("flagged_at")
    credential.save(update_fields=fields)
    record(credential, action=action, actor=actor, now=now, before=before, reason=text)
    return credential


def credential_suspend(*, credential_id: int, reason: str, actor: User, now: datetime) -> Credential:
    """暂扣: valid → suspended."""
    return _transition(
        credential_id=credential_id, action=CredentialAction.SUSPEND, reason=reason, actor=actor, now=now
    )


def credential_restore(*, credential_id: int, reason: str, actor: User, now: datetime) -> Credential:
    """Give a suspended credential back: suspended → valid."""
    return _transition(
        credential_id=credential_id, action=CredentialAction.RESTORE, reason=reason, actor=actor, now=now
    )


def credential_revoke(*, credential_id: int, reason: str, actor: User, now: datetime) -> Credential:
    """吊销: valid or suspended → revoked, for good."""
    return _transition(
        credential_id=credential_id, action=CredentialAction.REVOKE, reason=reason, actor=actor, now=now
    )


def credentials_expire(*, on: date, now: datetime) -> int:
    """Expire every valid or suspended credential whose last valid day is before ``on``; returns how
    many. Idempotent: an expired credential is never picked again."""
    due = list(
        Credential.objects.filter(
            status__in=[CredentialStatus.VALID, CredentialStatus.SUSPENDED], valid_until__lt=on
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    expired = 0
    for credential_id in due:
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(pk=credential_id)
            if credential.status not in (CredentialStatus.VALID, CredentialStatus.SUSPENDED):
                continue
            before = snapshot(credential)
            credential.status = CredentialStatus.EXPIRED
            credential.save(update_fields=["status"])
            record(
                credential,
                action=CredentialAction.EXPIRE,
                actor=None,
                now=now,
                before=before,
                reason=_("有效期至 %(date)s 届满。") % {"date": credential.valid_until.isoformat()},
            )
            expired += 1
    return expired
