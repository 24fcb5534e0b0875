from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from people.scope import is_exam_admin


class IsExamAdmin(BasePermission):
    def has_permission(self, request: Any, view: Any) -> bool:
        return is_exam_admin(request.user)


class IsExamAdminOrReadOnly(BasePermission):
    """Anyone signed in may read (what their selector allows); only administrators write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            request.method in SAFE_METHODS or is_exam_admin(request.user)
        )
