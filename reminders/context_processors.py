"""The unread count of the inbox, shown in the navigation of every page.

The count is read when the template uses it (a lazy value), with one indexed COUNT query.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import SimpleLazyObject

from . import selectors


def inbox(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"inbox_unread": SimpleLazyObject(lambda: selectors.unread_count(person=user))}
