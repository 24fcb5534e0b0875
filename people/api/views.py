from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.spreadsheets import XLSX_CONTENT_TYPE, download_response
from people.permissions import IsExamAdmin, IsExamAdminOrReadOnly

from .. import logins, roster, selectors, services
from ..models import User
from .serializers import (
    DepartmentInSerializer,
    DepartmentSerializer,
    LoginLockedSerializer,
    MeSerializer,
    RosterImportInSerializer,
    RosterImportResultSerializer,
    StaffSerializer,
    TokenLoginInSerializer,
    TokenSerializer,
)

ERRORS = {
    400: OpenApiResponse(description="Bad input: `detail` names the field or row."),
    403: OpenApiResponse(description="Not an exam administrator."),
    404: OpenApiResponse(description="Not found, or outside what you may see."),
}


class TokenLoginView(APIView):
    """`POST /api/v1/auth/token/`: the API token for a username and password (people.logins)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request=TokenLoginInSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(
                description="`invalid_credentials`: wrong username or password (or an inactive account); "
                "`invalid`: a field is missing."
            ),
            429: OpenApiResponse(
                LoginLockedSerializer,
                description="`account_locked`: too many failed logins for this account; `detail` says "
                "when to try again, `retry_after` in how many seconds (also the `Retry-After` header).",
            ),
        },
    )
    def post(self, request: Request) -> Response:
        data = TokenLoginInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token = logins.token_login(
            request=request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            now=timezone.now(),
        )
        return Response({"token": token.key})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class DepartmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = DepartmentSerializer
    permission_classes = [IsExamAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.department_list_for_user(user=self.request.user)

    @extend_schema(request=DepartmentInSerializer, responses={201: DepartmentSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DepartmentInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        department = services.department_create(
            name=data.validated_data["name"], parent=data.validated_data.get("parent")
        )
        return Response(DepartmentSerializer(department).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DepartmentInSerializer, responses={200: DepartmentSerializer, **ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        department = self.get_object()
        data = DepartmentInSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        services.department_update(
            department=department,
            name=changes.get("name"),
            parent=changes.get("parent", ...),
        )
        return Response(DepartmentSerializer(department).data)


class StaffViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The staff roster. Administrators read and write it; leaders read their scope."""

    serializer_class = StaffSerializer
    permission_classes = [IsExamAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["department", "is_enforcement_officer", "is_active"]

    def get_queryset(self) -> Any:
        return selectors.staff_list_for_user(user=self.request.user)

    def perform_create(self, serializer: StaffSerializer) -> None:  # type: ignore[override]
        data = dict(serializer.validated_data)
        serializer.instance = services.staff_create(**data)

    def perform_update(self, serializer: StaffSerializer) -> None:  # type: ignore[override]
        assert isinstance(serializer.instance, User)
        serializer.instance = services.staff_update(
            user=serializer.instance, actor=cast(User, self.request.user), **serializer.validated_data
        )

    @extend_schema(
        request={"multipart/form-data": RosterImportInSerializer},
        responses={201: RosterImportResultSerializer, **ERRORS},
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        permission_classes=[IsExamAdmin],
        parser_classes=[MultiPartParser, FormParser],
    )
    def roster_import(self, request: Request) -> Response:
        """Upsert the roster from an .xlsx or .csv file; all rows or none."""
        data = RosterImportInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = roster.roster_import(file=upload, filename=upload.name, actor=cast(User, request.user))
        return Response(RosterImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("format", str, enum=["xlsx", "csv"])],
        responses={(200, XLSX_CONTENT_TYPE): bytes, (200, "text/csv"): bytes},
    )
    @action(detail=False, methods=["get"], url_path="import-template", permission_classes=[IsExamAdmin])
    def import_template(self, request: Request) -> HttpResponse:
        """The roster template with Chinese headers and two example rows."""
        return roster_template_response(request.query_params.get("format", "xlsx"))


def roster_template_response(kind: str) -> HttpResponse:
    return download_response(
        roster.TEMPLATE_HEADERS,
        roster.TEMPLATE_EXAMPLE,
        kind=kind,
        filename="roster-template",
        title="花名册",
    )
