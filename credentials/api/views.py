"""The credentials API (DESIGN.md section 4, "Credentials"): thin views over ``credentials.services``
and ``credentials.selectors``; the public verification page's JSON form is in ``credentials.views``."""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.spreadsheets import XLSX_CONTENT_TYPE
from people.models import User
from people.permissions import IsExamAdmin

from .. import register, selectors, services
from ..selectors import CredentialFilters
from .serializers import (
    BulkGrantInSerializer,
    BulkGrantSerializer,
    CredentialDetailSerializer,
    CredentialFilterSerializer,
    CredentialSerializer,
    ErrorSerializer,
    ReasonInSerializer,
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


E400_REASON = error("`reason_required` (or `invalid`): the reason is missing or too long; nothing changed.")
E403_ADMIN = error("Not an exam administrator.")
E404 = error("No such credential, or not one you may see.")


def _user(request: Request) -> User:
    return cast(User, request.user)


def filters_from(query: Any) -> CredentialFilters:
    data = CredentialFilterSerializer(data=query)
    data.is_valid(raise_exception=True)
    values = data.validated_data
    return CredentialFilters(
        status=values.get("status"),
        department=values.get("department"),
        expiring_before=values.get("expiring_before"),
        review_standing=values.get("review_standing"),
        flagged=values.get("flagged"),
        search=values.get("search", ""),
        current_only=values.get("current", False),
    )


def transition(description: str, codes: str) -> Any:
    return extend_schema(
        request=ReasonInSerializer,
        responses={
            200: CredentialSerializer,
            400: E400_REASON,
            403: E403_ADMIN,
            404: E404,
            409: error(f"{description} Refused, nothing changed; `code`: {codes}."),
        },
    )


@extend_schema_view(
    list=extend_schema(
        operation_id="v1_credentials_list",
        parameters=[
            CredentialFilterSerializer,
            OpenApiParameter("format", str, enum=["xlsx"], description="The register as an .xlsx file."),
        ],
        responses={
            200: CredentialSerializer(many=True),
            (200, XLSX_CONTENT_TYPE): bytes,
            400: error("A filter is malformed; `field` names it."),
        },
    ),
    retrieve=extend_schema(responses={200: CredentialDetailSerializer, 404: E404}),
)
class CredentialViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Enforcement credentials: staff see their own, leaders their scope, administrators all.
    The lifecycle (suspend, restore, revoke) is for administrators and needs a reason."""

    serializer_class = CredentialSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        if self.action == "list":
            return selectors.credential_list_for_user(
                user=self.request.user, filters=filters_from(self.request.query_params)
            )
        return selectors.visible_credentials(self.request.user)

    def get_serializer_class(self) -> Any:
        return CredentialDetailSerializer if self.action == "retrieve" else CredentialSerializer

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if request.query_params.get("format") == "xlsx":
            return register.register_xlsx_response(self.get_queryset(), request=request)
        return super().list(request, *args, **kwargs)

    def _transition(self, request: Request, pk: str, service: Any) -> Response:
        credential = self.get_object()  # 404 for what the caller may not see
        data = ReasonInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        changed = service(
            credential_id=credential.pk,
            reason=data.validated_data["reason"],
            actor=_user(request),
            now=timezone.now(),
        )
        return Response(CredentialSerializer(changed, context={"request": request}).data)

    @transition("Only a valid credential can be suspended.", "`illegal_transition`, `credential_revoked`")
    @action(detail=True, methods=["post"], permission_classes=[IsExamAdmin])
    def suspend(self, request: Request, pk: str) -> Response:
        """暂扣: valid → suspended."""
        return self._transition(request, pk, services.credential_suspend)

    @transition(
        "Only a suspended credential within its validity, whose attempt is still a pass, can be restored.",
        "`illegal_transition`, `credential_revoked`, `attempt_not_passed`",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsExamAdmin])
    def restore(self, request: Request, pk: str) -> Response:
        """Give a suspended credential back: suspended → valid."""
        return self._transition(request, pk, services.credential_restore)

    @transition(
        "Only a valid or suspended credential can be revoked; revoked is final.",
        "`illegal_transition`, `credential_revoked`",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsExamAdmin])
    def revoke(self, request: Request, pk: str) -> Response:
        """吊销: valid or suspended → revoked, for good."""
        return self._transition(request, pk, services.credential_revoke)


class BulkGrantView(APIView):
    """Grant every passed attempt of a closed qualification session that has no credential yet;
    ``preview: true`` lists who would be granted and changes nothing."""

    permission_classes = [IsExamAdmin]

    @extend_schema(
        request=BulkGrantInSerializer,
        responses={
            200: BulkGrantSerializer,
            403: E403_ADMIN,
            404: error("No such session."),
            409: error(
                "Refused, nothing changed; `code`: `session_not_closed`, `not_a_qualification_session`."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = BulkGrantInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = selectors.bulk_grant_session(session_id=data.validated_data["session"])
        now = timezone.now()
        services.session_check_bulk_grant(session=session, now=now)
        pending = selectors.bulk_grant_preview(session=session)
        if data.validated_data["preview"]:
            count = len(pending)
        else:
            count = services.session_grant_all(session_id=session.pk, actor=_user(request), now=now)
        return Response(
            BulkGrantSerializer(
                {
                    "session": session.pk,
                    "preview": data.validated_data["preview"],
                    "count": count,
                    "holders": [
                        {"attempt": row.attempt_id, "holder": row.holder_id, "name": row.name}
                        for row in pending
                    ],
                }
            ).data
        )
