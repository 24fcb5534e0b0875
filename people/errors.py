"""The people app's domain errors and their stable codes (the API answers ``{"detail", "code"}``)."""

from __future__ import annotations

from datetime import datetime

from rest_framework import status

from common.errors import DomainError, NotPermitted, ValidationFailed


class LoginFailed(ValidationFailed):
    """Wrong username or password, or an inactive account: the answer never says which."""

    code = "invalid_credentials"


class AccountLocked(DomainError):
    """Too many failed logins for this account: refused until ``locked_until``, whatever the password."""

    code = "account_locked"
    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, message: str, *, locked_until: datetime, retry_after: int) -> None:
        super().__init__(message)
        self.locked_until = locked_until
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, object]:
        return {
            **super().as_dict(),
            "locked_until": self.locked_until.isoformat(),
            "retry_after": self.retry_after,
        }


class SuperuserProtected(NotPermitted):
    """Only a superuser may change a superuser's account, on every path (API, roster import, admin).

    Its code stays NotPermitted's ``permission_denied``, as the staff API has always answered."""


class PersonNotDeletable(DomainError):
    """People are deactivated, never deleted: their study hours, attendance and attempts stay."""

    code = "person_not_deletable"
    status_code = status.HTTP_409_CONFLICT
