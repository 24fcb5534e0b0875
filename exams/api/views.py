"""The exam API (DESIGN.md section 4, "Exams"): thin views over ``exams.services`` and ``exams.selectors``."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django.db.models import prefetch_related_objects
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from people.models import User
from people.permissions import IsExamAdmin, IsExamAdminOrReadOnly
from people.scope import is_exam_admin

from .. import bank_io, selectors, services
from ..access import CandidateEndpoint, Overdue, own_attempt
from ..law_areas import law_area_list
from ..models import Attempt, Exam, ExamSession, QuestionKind
from ..services import StartResult
from .payloads import answers_from_payload
from .serializers import (
    AnswerCorrectionSerializer,
    AnswersInSerializer,
    AttemptSerializer,
    BoardSerializer,
    CorrectAnswerInSerializer,
    ErrorSerializer,
    ExamInSerializer,
    ExamSerializer,
    ExtraTimeInSerializer,
    ExtraTimeSerializer,
    FileInSerializer,
    ImportResultSerializer,
    LawAreaInSerializer,
    LawAreaSerializer,
    MistakeSerializer,
    PracticeInSerializer,
    QuestionInSerializer,
    QuestionSerializer,
    ReviewSerializer,
    SaveResultSerializer,
    SessionInSerializer,
    SessionPatchSerializer,
    SessionSerializer,
    SubmitResultSerializer,
    save_result_data,
)


def error(description: str) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description)


E400 = error("Bad input: `detail` names the field (and `errors` every bad row of a file).")
E403_ADMIN = error("Not an exam administrator.")
E404 = error("Not found, or not yours.")
E409_CLOSED = error(
    "`attempt_closed`: submitted, or past the deadline plus the grace period (then submitted)."
)
LAW_AREA_PARAM = "A law area's name (see /api/v1/law-areas/)."
FORMAT = OpenApiParameter(
    "format", str, enum=["xlsx", "csv"], description="Spreadsheet format (default xlsx)."
)


def _user(request: Request) -> User:
    return cast(User, request.user)


def _started(request: Request, result: StartResult, now: datetime) -> HttpResponse:
    code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
    if (
        result.items_json is not None
        and isinstance(request.accepted_renderer, JSONRenderer)
        and request.accepted_media_type == request.accepted_renderer.media_type  # no indent asked
    ):
        # A claimed paper drawn ahead: its items were rendered when it was drawn and go out as
        # they are; only the rest of the attempt is rendered here (the same bytes as below).
        head = request.accepted_renderer.render(
            AttemptSerializer(selectors.attempt_payload(result.attempt, [], now)).data
        )
        if head.endswith(EMPTY_ITEMS_END):  # items is AttemptSerializer's last field
            body = b"".join((head[: -len(EMPTY_ITEMS_END)], b'"items":', result.items_json.encode(), b"}"))
            return HttpResponse(body, status=code, content_type=request.accepted_renderer.media_type)
    return Response(
        AttemptSerializer(selectors.attempt_payload(result.attempt, result.items, now)).data, status=code
    )


EMPTY_ITEMS_END = b'"items":[]}'


# Law areas


@extend_schema_view(list=extend_schema(responses={200: LawAreaSerializer(many=True)}))
class LawAreaViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The law areas that questions, blueprint rules and courses name. Everyone signed in reads;
    administrators add a bureau's own."""

    serializer_class = LawAreaSerializer
    permission_classes = [IsExamAdminOrReadOnly]
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return law_area_list()

    @extend_schema(
        request=LawAreaInSerializer,
        responses={201: LawAreaSerializer, 400: E400, 403: E403_ADMIN},
        description="Add a law area; a blank or existing name is refused with `field: name`.",
    )
    def create(self, request: Request) -> Response:
        data = LawAreaInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        area = services.law_area_create(name=data.validated_data["name"])
        return Response(LawAreaSerializer(area).data, status=status.HTTP_201_CREATED)


# Question bank


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("kind", str, enum=QuestionKind.values),
            OpenApiParameter("category", str, description=LAW_AREA_PARAM),
            OpenApiParameter("is_active", bool),
            OpenApiParameter("search", str, description="In the stem or the law reference."),
        ],
        responses={200: QuestionSerializer(many=True), 403: E403_ADMIN},
    ),
    retrieve=extend_schema(responses={200: QuestionSerializer, 403: E403_ADMIN, 404: E404}),
)
class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The question bank (administrators). Editing a question never changes a paper already drawn."""

    serializer_class = QuestionSerializer
    permission_classes = [IsExamAdmin]
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        params = self.request.query_params
        active = params.get("is_active")
        return selectors.question_list(
            kind=params.get("kind") or None,
            category=params.get("category") or None,
            is_active=None if active in (None, "") else active.lower() in {"1", "true", "yes"},
            search=params.get("search") or None,
        )

    @extend_schema(
        request=QuestionInSerializer, responses={201: QuestionSerializer, 400: E400, 403: E403_ADMIN}
    )
    def create(self, request: Request) -> Response:
        data = QuestionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        is_active = values.pop("is_active")
        question = services.question_create(
            data=services.QuestionIn(**{**values, "options": [dict(o) for o in values.get("options", [])]}),
            is_active=is_active,
        )
        return Response(QuestionSerializer(question).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=QuestionInSerializer(partial=True),
        responses={200: QuestionSerializer, 400: E400, 403: E403_ADMIN, 404: E404},
        description="Edit a question for future papers. To fix a wrong key in papers already drawn, "
        "use `correct-answer`, which regrades.",
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        question = self.get_object()
        data = QuestionInSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        if "options" in changes:
            changes["options"] = [dict(option) for option in changes["options"]]
        question = services.question_update(question=question, changes=changes)
        return Response(QuestionSerializer(question).data)

    @extend_schema(
        request=CorrectAnswerInSerializer,
        responses={201: AnswerCorrectionSerializer, 400: E400, 403: E403_ADMIN, 404: E404},
        description="Correct the key of a question in the bank and in every paper that contains it, "
        "regrade the submitted attempts, and record who, when, why and each score that changed.",
    )
    @action(detail=True, methods=["post"], url_path="correct-answer")
    def correct_answer(self, request: Request, pk: str) -> Response:
        question = self.get_object()
        data = CorrectAnswerInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        correction = services.question_correct_answer(
            question=question,
            answer=list(data.validated_data["answer"]),
            reason=data.validated_data["reason"],
            actor=_user(request),
            now=timezone.now(),
        )
        return Response(AnswerCorrectionSerializer(correction).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": FileInSerializer},
        responses={201: ImportResultSerializer, 400: E400, 403: E403_ADMIN},
        description="Upsert questions from .xlsx or .csv (headers of the template), all rows or none; "
        "on any fault, 400 with `errors: [{row, field, message}]` for every bad row. "
        "Importing the same file again changes nothing.",
    )
    @action(detail=False, methods=["post"], url_path="import", parser_classes=[MultiPartParser, FormParser])
    def bank_import(self, request: Request) -> Response:
        data = FileInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        result = bank_io.question_bank_import(file=upload, filename=upload.name, actor=_user(request))
        return Response(ImportResultSerializer(result).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[FORMAT],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            (200, "text/csv"): bytes,
        },
        description="The import template: Chinese headers and three example rows.",
    )
    @action(detail=False, methods=["get"], url_path="import-template")
    def import_template(self, request: Request) -> HttpResponse:
        return bank_io.question_template(kind=request.query_params.get("format", "xlsx"))

    @extend_schema(
        parameters=[
            FORMAT,
            OpenApiParameter("kind", str, enum=QuestionKind.values),
            OpenApiParameter("category", str, description=LAW_AREA_PARAM),
            OpenApiParameter("is_active", bool),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
            (200, "text/csv"): bytes,
        },
        description="The bank (filtered) in the import template's format.",
    )
    @action(detail=False, methods=["get"], url_path="export")
    def export(self, request: Request) -> HttpResponse:
        return bank_io.question_export(self.get_queryset(), kind=request.query_params.get("format", "xlsx"))


# Exams


@extend_schema_view(
    list=extend_schema(responses={200: ExamSerializer(many=True), 403: E403_ADMIN}),
    retrieve=extend_schema(responses={200: ExamSerializer, 403: E403_ADMIN, 404: E404}),
)
class ExamViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Exam templates with their blueprint rules (administrators)."""

    serializer_class = ExamSerializer
    permission_classes = [IsExamAdmin]
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> Any:
        return selectors.exam_list()

    @extend_schema(request=ExamInSerializer, responses={201: ExamSerializer, 400: E400, 403: E403_ADMIN})
    def create(self, request: Request) -> Response:
        data = ExamInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        rules = [services.RuleIn(**dict(rule)) for rule in values.pop("rules")]
        exam = services.exam_create(**values, rules=rules, actor=_user(request))
        exam = Exam.objects.prefetch_related("rules").get(pk=exam.pk)
        return Response(ExamSerializer(exam).data, status=status.HTTP_201_CREATED)


# Sessions


class ExamSessionViewSet(CandidateEndpoint, viewsets.GenericViewSet):
    """Exam sessions. Staff see the sessions they are eligible for; administrators see all."""

    overdue_first = {"list": Overdue.MINE, "retrieve": Overdue.MINE, "attempts": Overdue.SERVICE}

    permission_classes = [IsAuthenticated]
    serializer_class = SessionSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    queryset = ExamSession.objects.none()

    def get_permissions(self) -> Any:
        if self.action in {"create", "partial_update", "board"}:
            return [IsExamAdmin()]
        return super().get_permissions()

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "eligible",
                bool,
                description="Administrators: only the sessions they are eligible for themselves.",
            )
        ],
        responses={200: SessionSerializer(many=True)},
        description="For staff: the sessions they are eligible for, newest first, each with `my_status`. "
        "For administrators: every session (`eligible` says whether they may sit it).",
    )
    def list(self, request: Request) -> Response:
        user, now = _user(request), timezone.now()
        if is_exam_admin(user) and request.query_params.get("eligible") not in {"1", "true"}:
            rows = selectors.session_list_for_admin(user=user, now=now)
        else:
            rows = selectors.session_list_for_user(user=user, now=now)
        prefetch_related_objects([row.session for row in rows], "departments")
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        if page is not None:
            return self.get_paginated_response(SessionSerializer(page, many=True).data)
        return Response(SessionSerializer(rows, many=True).data)

    @extend_schema(responses={200: SessionSerializer, 404: E404})
    def retrieve(self, request: Request, pk: str) -> Response:
        user, now = _user(request), timezone.now()
        row = selectors.session_for_user(session_id=int(pk), user=user, now=now, admin=is_exam_admin(user))
        return Response(SessionSerializer(row).data)

    @extend_schema(
        request=SessionInSerializer,
        responses={
            201: SessionSerializer,
            400: E400,
            403: E403_ADMIN,
            409: error(
                "`bank_insufficient`: the active bank cannot fill the blueprint; `detail` names the rule."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = SessionInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        session = services.session_schedule(**data.validated_data, actor=_user(request))
        row = selectors.session_for_user(
            session_id=session.pk, user=_user(request), now=timezone.now(), admin=True
        )
        return Response(SessionSerializer(row).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=SessionPatchSerializer,
        responses={200: SessionSerializer, 400: E400, 403: E403_ADMIN, 404: E404},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        session = selectors.session_with_exam(session_id=int(pk))
        data = SessionPatchSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        services.session_update(session=session, departments=changes.pop("departments", None), **changes)
        row = selectors.session_for_user(
            session_id=session.pk, user=_user(request), now=timezone.now(), admin=True
        )
        return Response(SessionSerializer(row).data)

    @extend_schema(
        request=None,
        responses={
            200: OpenApiResponse(AttemptSerializer, description="The attempt in progress, resumed."),
            201: OpenApiResponse(AttemptSerializer, description="A new attempt with a freshly drawn paper."),
            403: error("`not_eligible`: not in the session's audience."),
            404: E404,
            409: error(
                "`session_not_open`, `session_closed`, `no_attempts_left`, `bank_insufficient` "
                "(the bank can no longer fill the blueprint), `no_practice_exam` (a practice exam kept out "
                "of practice, such as a course's quiz, starts only where it is offered), or "
                "`practice_withheld` (a practice paper could only be filled with questions of a formal "
                "session you may still sit)."
            ),
        },
        description="Start an attempt, or resume the one in progress. Never returns correct answers or "
        "explanations; `answer` is the candidate's saved keys.",
    )
    @action(detail=True, methods=["post"], url_path="attempts")
    def attempts(self, request: Request, pk: str) -> HttpResponse:
        now = timezone.now()
        return _started(
            request, services.attempt_start(session_id=int(pk), candidate=_user(request), now=now), now
        )

    @extend_schema(responses={200: BoardSerializer, 403: E403_ADMIN, 404: E404})
    @action(detail=True, methods=["get"])
    def board(self, request: Request, pk: str) -> Response:
        """The live board: eligible, started, submitted and passed candidates; attempts in progress."""
        session = selectors.session_with_exam(session_id=int(pk))
        return Response(BoardSerializer(selectors.session_board(session=session, now=timezone.now())).data)


# Attempts


class AttemptViewSet(CandidateEndpoint, viewsets.GenericViewSet):
    """A candidate's own attempts (someone else's answer 404), and extra time for administrators."""

    overdue_first = {
        "retrieve": Overdue.ATTEMPT,
        "review": Overdue.ATTEMPT,
        "answers": Overdue.SERVICE,
        "submit": Overdue.SERVICE,
    }

    permission_classes = [IsAuthenticated]
    serializer_class = AttemptSerializer
    filter_backends: list[Any] = []
    lookup_value_regex = r"\d+"
    queryset = Attempt.objects.none()

    def get_permissions(self) -> Any:
        if self.action == "extra_time":
            return [IsExamAdmin()]
        return super().get_permissions()

    @extend_schema(
        responses={200: AttemptSerializer, 404: E404},
        description="The attempt with its frozen paper and saved answers; `score` and `passed` once submitted. "
        "An attempt past its deadline plus grace is submitted first.",
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        now = timezone.now()
        attempt = own_attempt(candidate=_user(request), attempt_id=int(pk), now=now)
        return Response(
            AttemptSerializer(
                selectors.attempt_payload(attempt, selectors.attempt_paper(attempt=attempt), now)
            ).data
        )

    @extend_schema(
        request=AnswersInSerializer,
        responses={
            200: SaveResultSerializer,
            400: error(
                "`invalid_answer`: an item not in this attempt, an unknown key, more than one key on a "
                "single-choice or true/false item, or an item twice; `detail` names the item. Nothing is saved."
            ),
            404: E404,
            409: E409_CLOSED,
        },
        description="Save answers all or none; an empty `keys` clears an item. Of two saves of the same item, "
        "the later acknowledged one wins.",
    )
    @action(detail=True, methods=["put"])
    def answers(self, request: Request, pk: str) -> Response:
        result = services.attempt_answers_save(
            attempt_id=int(pk),
            candidate=_user(request),
            answers=answers_from_payload(request.data),
            now=timezone.now(),
        )
        return Response(save_result_data(result))

    @extend_schema(
        request=None,
        responses={200: SubmitResultSerializer, 404: E404},
        description="Submit and grade; submitting again returns the same result.",
    )
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str) -> Response:
        result = services.attempt_submit(attempt_id=int(pk), candidate=_user(request), now=timezone.now())
        return Response(SubmitResultSerializer(result).data)

    @extend_schema(
        responses={
            200: ReviewSerializer,
            403: error("`review_never`: this exam never shows answers."),
            404: E404,
            409: error(
                "`review_not_yet`: not submitted yet, or (after_close) the session has not closed or "
                "someone in it can still save answers."
            ),
        },
        description="Per item: your keys, the correct keys, explanation and law reference — only when the "
        "exam's review policy allows (after_submit: once submitted; after_close: once the session has closed "
        "and nobody in it can still save, extra time included).",
    )
    @action(detail=True, methods=["get"])
    def review(self, request: Request, pk: str) -> Response:
        now = timezone.now()
        attempt = own_attempt(candidate=_user(request), attempt_id=int(pk), now=now)
        items = selectors.attempt_review(attempt=attempt, now=now)
        return Response(
            ReviewSerializer(
                {
                    "id": attempt.pk,
                    "score": attempt.score,
                    "max_score": attempt.max_score,
                    "passed": attempt.passed,
                    "items": items,
                }
            ).data
        )

    @extend_schema(
        request=ExtraTimeInSerializer,
        responses={201: ExtraTimeSerializer, 400: E400, 403: E403_ADMIN, 404: E404, 409: E409_CLOSED},
        description="Give one candidate's attempt in progress more time (administrators); recorded with who, "
        "when and why.",
    )
    @action(detail=True, methods=["post"], url_path="extra-time")
    def extra_time(self, request: Request, pk: str) -> Response:
        data = ExtraTimeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        grant = services.attempt_extra_time_grant(
            attempt_id=int(pk),
            minutes=data.validated_data["minutes"],
            reason=data.validated_data["reason"],
            actor=_user(request),
            now=timezone.now(),
        )
        return Response(ExtraTimeSerializer(grant).data, status=status.HTTP_201_CREATED)


class MistakesView(CandidateEndpoint, APIView):
    overdue_first = Overdue.MINE

    @extend_schema(
        parameters=[OpenApiParameter("category", str, description=LAW_AREA_PARAM)],
        responses={200: MistakeSerializer(many=True)},
        description="My 错题本: each question I answered wrongly or left blank in a submitted attempt whose "
        "review policy allows it, once, with my latest answer, the correct keys, explanation and law reference. "
        "My attempts past their deadline are submitted first.",
    )
    def get(self, request: Request) -> Response:
        user, now = _user(request), timezone.now()
        mistakes = selectors.mistakes_for_user(
            user=user, now=now, category=request.query_params.get("category") or None
        )
        return Response(MistakeSerializer(mistakes, many=True).data)


class PracticeView(CandidateEndpoint, APIView):
    overdue_first = Overdue.SERVICE

    @extend_schema(
        request=PracticeInSerializer,
        responses={
            200: OpenApiResponse(AttemptSerializer, description="The practice attempt in progress, resumed."),
            201: OpenApiResponse(AttemptSerializer, description="A new practice attempt."),
            403: error("`not_eligible`: the practice exam's open sessions do not include you."),
            409: error(
                "`no_practice_exam` (none listed, or `exam` is not listed), `bank_insufficient`, or "
                "`practice_withheld` (only questions of a formal session you may still sit could fill it)."
            ),
        },
        description="Start (or resume) a practice attempt of a practice exam listed in practice (`exam`, or "
        "the newest listed one; an unlisted one, such as a course's quiz, is `no_practice_exam`). "
        "Practice is unlimited and its answers and explanations are shown right after submit "
        "(`GET /attempts/{id}/review/`), except for a question a formal session you may still sit could "
        "draw: practice never draws one, and a review withholds one that became live since. It runs in "
        "the exam's open session; a practice exam without one gets a session open to everyone.",
    )
    def post(self, request: Request) -> HttpResponse:
        data = PracticeInSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        result = services.practice_start(
            candidate=_user(request), exam_id=data.validated_data.get("exam"), now=now
        )
        return _started(request, result, now)
