"""Every write of enforcement credentials. Import from here: ``from credentials import services``.

Grants (``services/grants.py``)
    credential_grant(*, attempt_id, now, actor=None) -> GrantResult(credential, created)
        raises NotAQualificationPass; idempotent by the unique attempt (two at once: one credential)
    attempts_sync(*, attempt_ids, now) -> SyncResult(granted, flagged, unflagged)
    credentials_catch_up(*, now) -> SyncResult             (the beat sweep, every minute)
    credential_flag(*, credential_id, now) -> bool          (a regrade failed the attempt)
    credential_unflag(*, credential_id, now) -> bool        (a regrade passed it again)
    session_grant_all(*, session_id, actor, now) -> int
        raises NotAQualificationSession, SessionNotClosed

Lifecycle (``services/lifecycle.py``)
    credential_suspend(*, credential_id, reason, actor, now) -> Credential   valid → suspended
    credential_restore(*, credential_id, reason, actor, now) -> Credential   suspended → valid
    credential_revoke(*, credential_id, reason, actor, now) -> Credential    valid | suspended → revoked
        each raises ReasonRequired (400), IllegalTransition / CredentialRevoked / BackingAttemptFailed (409)
    credentials_expire(*, on, now) -> int                  (the daily task)

Annual review (``services/reviews.py``)
    review_schedule(*, year, review_on, actor) -> AnnualReview
    review_hours_set(*, bureau_id, required_hours) -> ReviewHours     raises ValidationFailed
    review_run(*, review_id, now, actor=None) -> ReviewRunResult(review, passed, failed)
    reviews_run_due(*, today, now) -> int                  (the daily task)
    review_make_good(*, result_id, reason, actor, now) -> ReviewResult
        raises ReasonRequired, ReviewNotFailed

Every change of a credential's state writes a ``CredentialEvent`` (who, when, why, before, after)
in its transaction. Every function raises a ``common.errors.DomainError`` subclass (see
``credentials/errors.py``) with a stable ``code`` on refusal, and on refusal changes nothing.
"""

from .grants import (
    GrantResult,
    SyncResult,
    attempts_sync,
    credential_flag,
    credential_grant,
    credential_unflag,
    credentials_catch_up,
    format_number,
    next_number,
    session_check_bulk_grant,
    session_grant_all,
    validity,
)
from .lifecycle import credential_restore, credential_revoke, credential_suspend, credentials_expire
from .reviews import (
    ReviewRunResult,
    review_hours_set,
    review_make_good,
    review_run,
    review_schedule,
    reviews_run_due,
)

__all__ = [
    "GrantResult",
    "ReviewRunResult",
    "SyncResult",
    "attempts_sync",
    "credential_flag",
    "credential_grant",
    "credential_restore",
    "credential_revoke",
    "credential_suspend",
    "credential_unflag",
    "credentials_catch_up",
    "credentials_expire",
    "format_number",
    "next_number",
    "review_hours_set",
    "review_make_good",
    "review_run",
    "review_schedule",
    "reviews_run_due",
    "session_check_bulk_grant",
    "session_grant_all",
    "validity",
]
