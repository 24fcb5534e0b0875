"""Reminders API routes, included at /api/v1/. URL names: notification-list, notification-read,
notification-read-all, reminders-nudge."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import NotificationViewSet, NudgeView

router = SimpleRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns: list[URLPattern | URLResolver] = [
    path("reminders/nudge/", NudgeView.as_view(), name="reminders-nudge"),
    *router.urls,
]
