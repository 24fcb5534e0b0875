from __future__ import annotations

from typing import Any, cast

import django_filters
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common.errors import ValidationFailed
from common.params import ascii_int
from common.throttling import ScopedRateThrottle
from people.models import User
from people.permissions import IsExamAdmin, IsExamAdminOrLeader, IsExamAdminOrReadOnly
from people.scope import visible_departments

from .. import selectors, services
from ..models import StudyActivity, StudyPlan
from ..reading import lesson_required_seconds
from ..throttling import SIGN_IN_THROTTLE_SCOPE
from .serializers import (
    ActivitySerializer,
    AttendanceSerializer,
    AttendeesAddedSerializer,
    AttendeesInSerializer,
    CourseDetailSerializer,
    CourseSerializer,
    HeartbeatInSerializer,
    HeartbeatOutSerializer,
    LedgerSerializer,
    LessonSerializer,
    PersonalPlanSerializer,
    PreMeetingCheckSerializer,
    QuizStartedSerializer,
    SignInInSerializer,
    SignInOpenInSerializer,
    SignInResultSerializer,
    SignInSerializer,
    StaffHoursSerializer,
    StudyPlanInSerializer,
    StudyPlanSerializer,
    lesson_progress_data,
)

NOT_FOUND = OpenApiResponse(description="Not found, or outside what you may see.")
BAD_INPUT = OpenApiResponse(description="Bad input: `detail` names the field; `code` says which rule.")
NOT_ADMIN = OpenApiResponse(description="Not an exam administrator.")
YEAR = OpenApiParameter("year", int, description="The year; this year when absent.")


def year_param(request: Request) -> int:
    raw = request.query_params.get("year")
    if raw in (None, ""):
        return timezone.localdate().year
    year = ascii_int(raw)
    if year is None:
        raise ValidationFailed(_("年度应为四位数字的年份。"), field="year")
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("年度应为 2000 至 2100 之间的年份。"), field="year")
    return year


def me(request: Request) -> User:
    return cast(User, request.user)


# ---------------------------------------------------------------- courses and lessons


class CourseViewSet(viewsets.ReadOnlyModelViewSet):
    """Law courses, each with the asking person's progress. Administrators edit them in the admin."""

    lookup_value_regex = r"\d+"

    serializer_class = CourseSerializer
    filterset_fields = ["law_area"]

    def get_queryset(self) -> Any:
        return selectors.course_list_for_user(user=self.request.user)

    @extend_schema(responses={200: CourseSerializer(many=True)})
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        courses = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert courses is not None
        context = {"progress": selectors.course_progress_for_user(user=me(request), courses=courses)}
        return self.get_paginated_response(CourseSerializer(courses, many=True, context=context).data)

    @extend_schema(responses={200: CourseDetailSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        course = self.get_object()
        return Response(course_detail_data(course, me(request)))

    @extend_schema(
        request=None,
        responses={
            200: CourseDetailSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`course_incomplete`: lessons (or the required quiz) still to do."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def completion(self, request: Request, pk: str | None = None) -> Response:
        """Complete the course if everything it asks is done (e.g. after passing its quiz)."""
        course = self.get_object()
        services.course_completion_claim(course=course, user=me(request), now=timezone.now())
        return Response(course_detail_data(course, me(request)))

    @extend_schema(
        request=None,
        responses={
            201: QuizStartedSerializer,
            200: QuizStartedSerializer,
            403: OpenApiResponse(
                description="`not_eligible`: the quiz's practice sessions do not include you."
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`quiz_not_open`: no quiz, or lessons still to read; `bank_insufficient`; "
                "`practice_withheld`: only questions of a formal session you may still sit could fill it."
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def quiz(self, request: Request, pk: str | None = None) -> Response:
        """Start (201) or resume (200) the end-of-course quiz once every lesson is read. The attempt is
        answered and submitted through the exam API; a pass then completes the course."""
        result = services.course_quiz_start(course=self.get_object(), user=me(request), now=timezone.now())
        return Response(
            {"attempt": result.attempt.pk, "created": result.created},
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


def course_detail_data(course: Any, user: User) -> dict[str, Any]:
    lessons = list(course.lessons.all())
    context = {
        "progress": selectors.course_progress_for_user(user=user, courses=[course]),
        "lessons": lessons,
        "lesson_progress": selectors.lesson_progress_for_user(user=user, lessons=lessons),
    }
    return CourseDetailSerializer(course, context=context).data


class LessonViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A lesson to read, and the heartbeats that credit the reading time."""

    lookup_value_regex = r"\d+"

    serializer_class = LessonSerializer

    def get_object(self) -> Any:
        return selectors.lesson_for_user(user=self.request.user, lesson_id=int(self.kwargs["pk"]))

    def get_queryset(self) -> Any:  # for the schema; get_object is what reads
        return selectors.course_list_for_user(user=self.request.user).none()

    @extend_schema(responses={200: LessonSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        lesson = self.get_object()
        progress = selectors.lesson_progress_for_user(user=me(request), lessons=[lesson]).get(lesson.pk)
        return Response(LessonSerializer(lesson, context={"progress": progress}).data)

    @extend_schema(
        request=HeartbeatInSerializer,
        responses={200: HeartbeatOutSerializer, 400: BAD_INPUT, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def heartbeat(self, request: Request, pk: str | None = None) -> Response:
        """Sent every 15 s while the page is visible and the reader active; `end_reached` once the
        end marker is seen. Credits at most 30 s per beat, and only the time since the last beat."""
        data = HeartbeatInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        lesson = self.get_object()
        result = services.lesson_heartbeat(
            lesson=lesson,
            user=me(request),
            now=timezone.now(),
            end_reached=data.validated_data["end_reached"],
        )
        return Response(heartbeat_data(lesson, result))

    @extend_schema(
        request=None,
        responses={
            200: HeartbeatOutSerializer,
            404: NOT_FOUND,
            409: OpenApiResponse(description="`lesson_not_finished`: the minimum study time is not reached."),
        },
    )
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        """Mark the end reached and complete the lesson; refused while its minimum time is not reached."""
        lesson = self.get_object()
        result = services.lesson_complete(lesson=lesson, user=me(request), now=timezone.now())
        return Response(heartbeat_data(lesson, result))


def heartbeat_data(lesson: Any, result: services.HeartbeatResult) -> dict[str, Any]:
    return {
        **lesson_progress_data(result.progress),
        "min_study_seconds": lesson_required_seconds(lesson),
        "credited_seconds": result.credited_seconds,
        "course_completed": result.course_completed,
    }


# ---------------------------------------------------------------- study plans


class StudyPlanViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Annual study plans. Administrators write them; everyone reads the plans that apply to them.

    Every plan must require a Constitution course (`code`: `constitution_required`).
    """

    lookup_value_regex = r"\d+"

    serializer_class = StudyPlanSerializer
    permission_classes = [IsExamAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_fields = ["year"]

    def get_queryset(self) -> Any:
        return selectors.study_plan_list_for_user(user=self.request.user)

    def _save(self, plan: StudyPlan | None, data: dict[str, Any]) -> StudyPlan:
        return services.study_plan_save(
            plan=plan,
            year=data["year"],
            title=data["title"],
            required_hours=data["required_hours"],
            departments=data.get("departments", []),
            courses=[services.PlanCourseIn(**entry) for entry in data["courses"]],
        )

    @extend_schema(
        request=StudyPlanInSerializer, responses={201: StudyPlanSerializer, 400: BAD_INPUT, 403: NOT_ADMIN}
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = StudyPlanInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = self._save(None, data.validated_data)
        return Response(
            StudyPlanSerializer(self.get_queryset().get(pk=plan.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=StudyPlanInSerializer,
        responses={200: StudyPlanSerializer, 400: BAD_INPUT, 403: NOT_ADMIN, 404: NOT_FOUND},
    )
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        data = StudyPlanInSerializer.for_patch(plan, request.data)
        data.is_valid(raise_exception=True)
        self._save(plan, data.validated_data)
        return Response(StudyPlanSerializer(self.get_queryset().get(pk=plan.pk)).data)

    @extend_schema(exclude=True)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(responses={204: None, 403: NOT_ADMIN, 404: NOT_FOUND})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.study_plan_delete(plan=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyPlanView(APIView):
    @extend_schema(parameters=[YEAR], responses={200: PersonalPlanSerializer, 400: BAD_INPUT})
    def get(self, request: Request) -> Response:
        """My study plan for the year: required courses with progress, hours earned against required, what is overdue."""
        plan = selectors.personal_plan(
            person=me(request), year=year_param(request), today=timezone.localdate()
        )
        return Response(PersonalPlanSerializer(plan).data)


# ---------------------------------------------------------------- the study-hours ledger


def ledger_data(person: User, year: int) -> dict[str, Any]:
    entries = list(selectors.study_hours_ledger(person=person, year=year))
    required = selectors.required_hours_by_department(year=year)(person.department)
    return LedgerSerializer(
        {
            "person": person,
            "year": year,
            "total": selectors.study_hours_total(person=person, year=year),
            "required_hours": required,
            "entries": entries,
        }
    ).data


class MyStudyHoursView(APIView):
    @extend_schema(parameters=[YEAR], responses={200: LedgerSerializer, 400: BAD_INPUT})
    def get(self, request: Request) -> Response:
        """My study-hours ledger for the year: each course completed and activity attended, with its hours."""
        return Response(ledger_data(me(request), year_param(request)))


class StudyHoursViewSet(viewsets.GenericViewSet):
    """Study hours of the people you may see: leaders their subtrees, administrators everyone."""

    lookup_value_regex = r"\d+"

    serializer_class = StaffHoursSerializer

    def get_queryset(self) -> Any:
        department = None
        raw = self.request.query_params.get("department")
        if raw:
            department_id = ascii_int(raw)
            if department_id is None:
                raise ValidationFailed(_("单位应为单位编号。"), field="department")
            department = get_object_or_404(visible_departments(self.request.user), pk=department_id)
        return selectors.staff_hours_for_user(
            user=self.request.user, year=year_param(self.request), department=department
        )

    @extend_schema(
        parameters=[
            YEAR,
            OpenApiParameter(
                "department", int, description="Only this department's subtree (one you may see)."
            ),
        ],
        responses={200: StaffHoursSerializer(many=True), 400: BAD_INPUT, 404: NOT_FOUND},
    )
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = {"required_hours": selectors.required_hours_by_department(year=year_param(request))}
        return self.get_paginated_response(StaffHoursSerializer(page, many=True, context=context).data)

    @extend_schema(parameters=[YEAR], responses={200: LedgerSerializer, 404: NOT_FOUND})
    def retrieve(self, request: Request, pk: str) -> Response:
        """One person's ledger (a person you may see)."""
        person = selectors.person_for_user(user=request.user, person_id=int(pk))
        return Response(ledger_data(person, year_param(request)))


# ---------------------------------------------------------------- activities


class ActivityFilter(django_filters.FilterSet):
    held_on__year = django_filters.NumberFilter(
        field_name="held_on", lookup_expr="year", min_value=1, max_value=9999, decimal_places=0
    )
    held_on__gte = django_filters.DateFilter(field_name="held_on", lookup_expr="gte")
    held_on__lte = django_filters.DateFilter(field_name="held_on", lookup_expr="lte")

    class Meta:
        model = StudyActivity
        fields = ["kind"]


class ActivityViewSet(viewsets.ModelViewSet):
    """学法活动: 会前学法, 法治讲堂, 普法活动. Administrators record them and their attendees."""

    lookup_value_regex = r"\d+"

    serializer_class = ActivitySerializer
    permission_classes = [IsExamAdminOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filterset_class = ActivityFilter

    def get_queryset(self) -> Any:
        return selectors.activity_list_for_user(user=self.request.user)

    @extend_schema(responses={201: ActivitySerializer, 400: BAD_INPUT, 403: NOT_ADMIN})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = ActivitySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = services.activity_create(
            data=services.ActivityIn.from_values(serializer.validated_data), actor=me(request)
        )
        return Response(self._out(activity.pk), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ActivitySerializer, 400: BAD_INPUT, 403: NOT_ADMIN, 404: NOT_FOUND})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        activity = self.get_object()
        serializer = ActivitySerializer(activity, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.activity_update(
            activity=activity, data=services.ActivityIn.from_values(serializer.validated_data, base=activity)
        )
        return Response(self._out(activity.pk))

    @extend_schema(responses={204: None, 403: NOT_ADMIN, 404: NOT_FOUND})
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.activity_delete(activity=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _out(self, pk: int) -> dict[str, Any]:
        return ActivitySerializer(self.get_queryset().get(pk=pk)).data

    @extend_schema(methods=["get"], responses={200: AttendanceSerializer(many=True), 404: NOT_FOUND})
    @extend_schema(
        methods=["post"],
        request=AttendeesInSerializer,
        responses={200: AttendeesAddedSerializer, 400: BAD_INPUT, 403: NOT_ADMIN, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["get", "post"])
    def attendees(self, request: Request, pk: str | None = None) -> Response:
        """GET: the attendees you may see. POST (administrators): add people, or whole departments
        (their subtrees' active staff); each new attendee is credited the activity's hours once."""
        activity = self.get_object()
        if request.method == "GET":
            rows = self.paginate_queryset(selectors.attendance_for_user(user=request.user, activity=activity))
            return self.get_paginated_response(AttendanceSerializer(rows, many=True).data)
        data = AttendeesInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        added = services.activity_attendees_add(
            activity=activity,
            people=data.validated_data.get("people", []),
            departments=data.validated_data.get("departments", []),
            method="bulk" if data.validated_data.get("departments") else "manual",
            actor=me(request),
        )
        return Response({"added": added, "attendee_count": activity.attendance.count()})

    @extend_schema(request=None, responses={204: None, 403: NOT_ADMIN, 404: NOT_FOUND})
    @action(detail=True, methods=["delete"], url_path=r"attendees/(?P<person_id>\d+)")
    def remove_attendee(self, request: Request, pk: str | None = None, person_id: str = "") -> Response:
        """Remove an attendee; the hours the activity credited them are withdrawn."""
        activity = self.get_object()
        person = get_object_or_404(User, pk=person_id)
        if not services.activity_attendee_remove(activity=activity, person=person):
            raise Http404
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=SignInOpenInSerializer, responses={201: SignInSerializer, 400: BAD_INPUT, 403: NOT_ADMIN}
    )
    @action(detail=True, methods=["post"], url_path="sign-in", permission_classes=[IsExamAdmin])
    def sign_in(self, request: Request, pk: str | None = None) -> Response:
        """Open a sign-in: a link for a QR code and a six-digit code, valid for `minutes`."""
        activity = self.get_object()
        data = SignInOpenInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sign_in = services.activity_sign_in_open(
            activity=activity, actor=me(request), now=timezone.now(), minutes=data.validated_data["minutes"]
        )
        url = request.build_absolute_uri(reverse("courses:sign_in", args=[sign_in.token]))
        return Response(SignInSerializer(sign_in, context={"url": url}).data, status=status.HTTP_201_CREATED)


class ActivitySignInView(APIView):
    # A six-digit code can be guessed: every try counts against the person's "sign_in" rate.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = SIGN_IN_THROTTLE_SCOPE

    @extend_schema(
        request=SignInInSerializer,
        responses={
            201: SignInResultSerializer,
            200: SignInResultSerializer,
            400: BAD_INPUT,
            404: OpenApiResponse(description="No open sign-in with this token or code."),
            409: OpenApiResponse(description="`sign_in_closed`: the sign-in has expired."),
            429: OpenApiResponse(
                description="`throttled`: more tries this minute than the `sign_in` rate allows (10 by default)."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Sign in to an activity with the link's token or the six-digit code: 201 the first time, 200 after."""
        data = SignInInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        if data.validated_data.get("token"):
            sign_in = selectors.sign_in_by_token(token=data.validated_data["token"])
        else:
            found = selectors.sign_in_by_code(code=data.validated_data["code"], now=now)
            if found is None:
                raise Http404
            sign_in = found
        _attendance, created = services.activity_sign_in(sign_in=sign_in, person=me(request), now=now)
        body = {
            "activity": sign_in.activity_id,
            "title": sign_in.activity.title,
            "created": created,
            "hours": sign_in.activity.hours,
        }
        return Response(
            SignInResultSerializer(body).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class PreMeetingCheckView(APIView):
    permission_classes = [IsExamAdminOrLeader]

    @extend_schema(
        parameters=[YEAR],
        responses={
            200: PreMeetingCheckSerializer,
            400: BAD_INPUT,
            403: OpenApiResponse(description="Neither an exam administrator nor a leader."),
        },
    )
    def get(self, request: Request) -> Response:
        """The bureau's rule "at least one 会前学法 every month": per month whether it was held, and who spoke.

        Bureau-level: every 会前学法 of the bureau counts, whichever department organised it, and
        every leader sees the same answer as an administrator, not one limited to their subtrees.
        For exam administrators and leaders only.
        """
        year = year_param(request)
        months = selectors.pre_meeting_check(year=year, today=timezone.localdate())
        return Response(
            PreMeetingCheckSerializer(
                {
                    "year": year,
                    "months_held": sum(1 for month in months if month.held),
                    "months_missing": [month.month for month in months if month.state == "missing"],
                    "months": months,
                }
            ).data
        )
