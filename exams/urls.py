"""Web pages of the exam engine, included at /exams/ (app_name "exams")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "exams"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.my_exams, name="my_exams"),
    path("sessions/<int:pk>/start/", views.session_start, name="session_start"),
    path("attempts/<int:pk>/", views.attempt_take, name="attempt"),
    path("attempts/<int:pk>/submit/", views.attempt_submit, name="attempt_submit"),
    path("attempts/<int:pk>/result/", views.attempt_result, name="result"),
    path("attempts/<int:pk>/review/", views.attempt_review, name="review"),
    path("mistakes/", views.mistakes, name="mistakes"),
    path("practice/", views.practice, name="practice"),
    path("practice/start/", views.practice_start, name="practice_start"),
    path("sessions/<int:pk>/board/", views.board, name="board"),
    path("sessions/<int:pk>/board/live/", views.board_live, name="board_live"),
    path("sessions/<int:pk>/board/extra-time/", views.board_extra_time, name="board_extra_time"),
]
