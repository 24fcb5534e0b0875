"""The exam engine's workspace pages, included at /manage/ (app_name "exams_manage")."""

from django.urls import URLPattern, URLResolver, path

from . import exams, questions, views

app_name = "exams_manage"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/preview/", views.session_preview, name="session_preview"),
    path("sessions/<int:pk>/close/", views.session_close, name="session_close"),
    path("sessions/<int:pk>/extend/", views.session_extend, name="session_extend"),
    path("sessions/<int:pk>/results/", views.session_results, name="session_results"),
    path("law-areas/", views.law_areas, name="law_areas"),
    path("exams/", exams.exam_list, name="exams"),
    path("exams/new/", exams.exam_new, name="exam_new"),
    path("exams/<int:pk>/", exams.exam_edit, name="exam_edit"),
    path("questions/", questions.question_list, name="questions"),
    path("questions/new/", questions.question_new, name="question_new"),
    path("questions/import/", questions.question_import, name="question_import"),
    path("questions/import-template/", questions.question_template, name="question_template"),
    path("questions/<int:pk>/", questions.question_edit, name="question_edit"),
    path("questions/<int:pk>/retire/", questions.question_retire, name="question_retire"),
    path("questions/<int:pk>/correct/", questions.question_correct, name="question_correct"),
]
