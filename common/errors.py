"""Domain errors and their JSON form.

Services raise a ``DomainError`` subclass with a stable ``code``; the API turns it
into ``{"detail": ..., "code": ...}`` with the subclass's HTTP status, and web
views show its message.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class DomainError(Exception):
    code = "invalid"
    status_code: int = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, field: str | None = None, errors: Any = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.field = field
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": self.message, "code": self.code}
        if self.field:
            body["field"] = self.field
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class ValidationFailed(DomainError):
    """Bad input: the message names the field or row at fault."""

    code = "invalid"


class NotFound(DomainError):
    """No such thing, or not one the user may see (404, as the API answers both)."""

    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND


class Conflict(DomainError):
    code = "conflict"
    status_code = status.HTTP_409_CONFLICT


class NotPermitted(DomainError):
    code = "permission_denied"
    status_code = status.HTTP_403_FORBIDDEN


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        retry_after = getattr(exc, "retry_after", None)
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        return Response(exc.as_dict(), status=exc.status_code, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    data = response.data
    if isinstance(data, dict) and "detail" in data:
        data = {"detail": str(data["detail"]), "code": getattr(data["detail"], "code", exc.default_code)}
    else:
        data = {
            "detail": _first_message(data),
            "code": "invalid",
            "field": _first_field(data),
            "errors": data,
        }
    response.data = data
    return response


def _first_field(errors: Any) -> str:
    if isinstance(errors, dict) and errors:
        first = next(iter(errors))
        return "" if first == "non_field_errors" else str(first)
    return ""


def _first_message(errors: Any, prefix: str = "") -> str:
    """The first field error as one readable sentence naming the field."""
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = key if key != "non_field_errors" else ""
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            return _first_message(value, path)
    if isinstance(errors, list) and errors:
        for index, value in enumerate(errors):
            if value:
                if isinstance(value, dict | list):
                    return _first_message(value, f"{prefix}[{index}]")
                return f"{prefix}: {value}" if prefix else str(value)
    return f"{prefix}: {errors}" if prefix else str(errors)
