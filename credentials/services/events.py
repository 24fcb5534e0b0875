"""The audit trail: every change of a credential's state is one ``CredentialEvent`` (who, when, why,
the state before and after), written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from people.models import User

from ..models import Credential, CredentialEvent


def snapshot(credential: Credential) -> dict[str, Any]:
    return {
        "status": credential.status,
        "review_standing": credential.review_standing,
        "flagged": credential.flagged_at is not None,
        "superseded_by": credential.superseded_by_id,
    }


def record(
    credential: Credential,
    *,
    action: str,
    actor: User | None,
    now: datetime,
    before: dict[str, Any],
    reason: str = "",
) -> CredentialEvent:
    return CredentialEvent.objects.create(
        credential=credential,
        action=action,
        actor=actor,
        at=now,
        reason=reason,
        before=before,
        after=snapshot(credential),
    )
