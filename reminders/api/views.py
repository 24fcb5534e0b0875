"""Reminders API: the caller's own notifications, and nudge now (leaders and administrators)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.pagination import Pagination
from people.permissions import IsExamAdminOrLeader

from .. import selectors, services
from ..models import Notification
from ..tasks import start_soon
from .serializers import MarkedOut, NotificationOut, NudgeIn, NudgeOut


class NotificationPagination(Pagination):
    """The page of notifications, with the caller's ``unread`` count beside it."""

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        response.data["unread"] = selectors.unread_count(person=self.request.user)  # type: ignore[union-attr,arg-type]
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        result = super().get_paginated_response_schema(schema)
        result["properties"]["unread"] = {"type": "integer", "example": 3}
        result["required"] = [*result.get("required", []), "unread"]
        return result


class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """`GET /api/v1/notifications/` — the caller's own notifications, newest first, with `unread` counted.

    `POST …/{id}/read/` marks one read; `POST …/read-all/` marks all read. Nobody reads or marks
    another person's (404).
    """

    serializer_class = NotificationOut
    lookup_value_regex = "[0-9]{1,18}"
    pagination_class = NotificationPagination

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator has no user
            return Notification.objects.none()
        return selectors.notifications_for(person=self.request.user)  # type: ignore[arg-type]

    @extend_schema(request=None, responses={200: NotificationOut})
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        notification = services.notification_mark_read(
            person=request.user,  # type: ignore[arg-type]
            notification_id=int(pk or 0),
            now=timezone.now(),
        )
        return Response(NotificationOut(notification).data)

    @extend_schema(request=None, responses={200: MarkedOut})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        marked = services.notifications_mark_all_read(person=request.user, now=timezone.now())  # type: ignore[arg-type]
        return Response({"marked": marked})


class NudgeView(APIView):
    """`POST /api/v1/reminders/nudge/` — remind now everyone in the caller's scope who still has to act.

    Body: `{"session": id}`, `{"plan": id}` or `{"credentials": "at_risk"}` (or one reason:
    `expiring`, `suspended`, `review_failed`, `not_enforcing`) — exactly one — with `"preview": true`
    to count without sending. Answers `{"recipients": n}`. Leaders and administrators only (403);
    bad input is 400 naming the `field`; a session not open or a plan of a past year is 409
    (`target_closed`); the same caller nudging the same target again within the hour (credentials:
    any credentials nudge) is 429 (`nudge_too_soon`).
    """

    permission_classes = [IsExamAdminOrLeader]

    @extend_schema(
        request=NudgeIn,
        responses={
            200: NudgeOut,
            400: inline_serializer(
                "NudgeInvalid",
                {
                    "detail": serializers.CharField(),
                    "code": serializers.CharField(),
                    "field": serializers.CharField(required=False),
                },
            ),
            403: OpenApiResponse(description="Not a leader or an administrator."),
            409: OpenApiResponse(description="The session is not open, or the plan's year is over."),
            429: inline_serializer(
                "NudgeTooSoon", {"detail": serializers.CharField(), "code": serializers.CharField()}
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = NudgeIn(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.nudge(
            actor=request.user,  # type: ignore[arg-type]
            session_id=data.validated_data.get("session"),
            plan_id=data.validated_data.get("plan"),
            credentials=data.validated_data.get("credentials"),
            preview=data.validated_data["preview"],
            now=timezone.now(),
        )
        if result.sent:
            start_soon(result.occasion.pk)
        return Response({"recipients": result.recipients})
