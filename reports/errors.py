"""The reports' domain errors; each has a stable ``code`` and an HTTP status (see common.errors)."""

from rest_framework import status

from common.errors import DomainError, NotPermitted, ValidationFailed


class ReportsNotPermitted(NotPermitted):
    """Only leaders (over the subtrees they lead) and administrators read reports."""

    code = "reports_not_permitted"


class PublishNotPermitted(NotPermitted):
    """Only administrators publish the year's figures."""

    code = "publish_not_permitted"


class InvalidReportQuery(ValidationFailed):
    """A report was asked with a missing or malformed parameter; the message names it."""

    code = "invalid_report_query"


class DepartmentNotFound(DomainError):
    """No such department, or not within the asker's scope (the two are not told apart)."""

    code = "department_not_found"
    status_code = status.HTTP_404_NOT_FOUND


class SessionNotFound(DomainError):
    code = "session_not_found"
    status_code = status.HTTP_404_NOT_FOUND


__all__ = [
    "DepartmentNotFound",
    "InvalidReportQuery",
    "PublishNotPermitted",
    "ReportsNotPermitted",
    "SessionNotFound",
]
