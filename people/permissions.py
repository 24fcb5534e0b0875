"""Who may call a view: DRF permission classes and the web pages' decorator, all asking people.scope."""

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.scope import is_exam_admin, is_leader


class IsExamAdmin(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return is_exam_admin(request.user)


class IsExamAdminOrReadOnly(BasePermission):
    """Anyone signed in may read (what their selector allows); only administrators write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            request.method in SAFE_METHODS or is_exam_admin(request.user)
        )


class IsExamAdminOrLeader(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return is_exam_admin(request.user) or is_leader(request.user)


def admin_required(view: Any) -> Any:
    """A web page for exam administrators: the login page for strangers, 403 for everyone else."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_exam_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
