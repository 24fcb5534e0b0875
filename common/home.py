"""The "my tasks" list of the home page, filled by each app that gives staff something to do.

An app adds a provider with :func:`register_task_provider`; a provider takes the
user and returns a list of :class:`HomeTask`. Keeping the registry here lets the
project page show every app's tasks without importing apps above ``people``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_providers: list[Callable[[Any], list[HomeTask]]] = []


@dataclass(frozen=True)
class HomeTask:
    title: str
    detail: str
    url: str
    due: str = ""
    urgent: bool = False
    # A short state shown as a badge before the title: "已逾期" (overdue), "未通过" (failed); empty for none.
    state: str = ""


def register_task_provider(provider: Callable[[Any], list[HomeTask]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def home_tasks(user: Any) -> list[HomeTask]:
    tasks: list[HomeTask] = []
    for provider in _providers:
        tasks.extend(provider(user))
    return tasks


@dataclass(frozen=True)
class NavLink:
    title: Any
    url_name: str
    visible: Callable[[Any], bool]


_nav_links: list[NavLink] = []


def register_nav_link(
    *, title: Any, url_name: str, visible: Callable[[Any], bool] = lambda user: True
) -> None:
    """Add a link to the top navigation, shown to the users for whom ``visible(user)`` is true."""
    if all(link.url_name != url_name for link in _nav_links):
        _nav_links.append(NavLink(title=title, url_name=url_name, visible=visible))


def navigation(request: Any) -> dict[str, Any]:
    """Template context processor: the navigation links this user may follow."""
    from django.urls import reverse

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_links": []}
    return {
        "nav_links": [
            {"title": link.title, "url": reverse(link.url_name)} for link in _nav_links if link.visible(user)
        ]
    }
