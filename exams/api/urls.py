"""Exam API routes, included at /api/v1/. URL names: law-area-list, question-list, question-detail, question-bank-import,
question-import-template, question-export, question-correct-answer, exam-list, exam-detail,
exam-session-list, exam-session-detail, exam-session-attempts, exam-session-board, attempt-detail,
attempt-answers, attempt-submit, attempt-review, attempt-extra-time, mistakes, practice."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .views import (
    AttemptViewSet,
    ExamSessionViewSet,
    ExamViewSet,
    LawAreaViewSet,
    MistakesView,
    PracticeView,
    QuestionViewSet,
)

router = SimpleRouter()
router.register("law-areas", LawAreaViewSet, basename="law-area")
router.register("questions", QuestionViewSet, basename="question")
router.register("exams", ExamViewSet, basename="exam")
router.register("exam-sessions", ExamSessionViewSet, basename="exam-session")
router.register("attempts", AttemptViewSet, basename="attempt")

urlpatterns: list[URLPattern | URLResolver] = [
    path("mistakes/", MistakesView.as_view(), name="mistakes"),
    path("practice/", PracticeView.as_view(), name="practice"),
    *router.urls,
]
