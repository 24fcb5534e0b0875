"""Domain errors of enforcement credentials; each has a stable ``code`` and an HTTP status (see common.errors)."""

from common.errors import Conflict, ValidationFailed


class NotAQualificationPass(Conflict):
    """Only a submitted, passed attempt of a qualification exam grants a credential."""

    code = "not_a_qualification_pass"


class IllegalTransition(Conflict):
    """The credential's status does not allow this change (suspend a revoked one, restore a valid one…)."""

    code = "illegal_transition"


class CredentialRevoked(IllegalTransition):
    """A revoked credential is final: it never becomes valid again."""

    code = "credential_revoked"


class BackingAttemptFailed(Conflict):
    """The credential's attempt is no longer a pass (a regrade): it cannot be restored or made good."""

    code = "attempt_not_passed"


class ReasonRequired(ValidationFailed):
    code = "reason_required"


class ReviewNotFailed(Conflict):
    """Only a short review result can be made good."""

    code = "review_not_failed"


class SessionNotClosed(Conflict):
    """Bulk grant is for a closed session only."""

    code = "session_not_closed"


class NotAQualificationSession(Conflict):
    code = "not_a_qualification_session"


__all__ = [
    "BackingAttemptFailed",
    "CredentialRevoked",
    "IllegalTransition",
    "NotAQualificationPass",
    "NotAQualificationSession",
    "ReasonRequired",
    "ReviewNotFailed",
    "SessionNotClosed",
]
