"""The admin home in two parts: the platform's own sections first, the technical ones below them."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()

# Apps whose admin pages are for the people who run the servers, not for exam administrators.
TECHNICAL_APP_LABELS = frozenset(
    {"auth", "authtoken", "django_celery_beat", "lawplatform", "auditlog", "axes"}
)


@register.filter
def domain_apps(app_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [app for app in app_list if app["app_label"] not in TECHNICAL_APP_LABELS]


@register.filter
def technical_apps(app_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [app for app in app_list if app["app_label"] in TECHNICAL_APP_LABELS]
