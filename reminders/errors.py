"""The reminders' domain errors; each has a stable ``code`` and an HTTP status (see common.errors)."""

from rest_framework import status

from common.errors import Conflict, DomainError, NotPermitted, ValidationFailed


class UnknownPlaceholder(ValidationFailed):
    """A message template names a placeholder the reminders cannot fill; the message names it."""

    code = "unknown_placeholder"


class RuleInvalid(ValidationFailed):
    """A rule's target, moment or channels do not fit together; the message names the field."""

    code = "rule_invalid"


class NudgeNotPermitted(NotPermitted):
    """Only leaders and administrators nudge."""

    code = "nudge_not_permitted"


class NudgeTooSoon(DomainError):
    """The same person nudged the same session or plan less than an hour ago."""

    code = "nudge_too_soon"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS


class TargetClosed(Conflict):
    """A nudge for a session that is not open (or a plan of a past year)."""

    code = "target_closed"


__all__ = ["NudgeNotPermitted", "NudgeTooSoon", "RuleInvalid", "TargetClosed", "UnknownPlaceholder"]
