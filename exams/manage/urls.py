"""The exam engine's workspace pages, included at /manage/ (app_name "exams_manage")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "exams_manage"
urlpatterns: list[URLPattern | URLResolver] = [
    path("sessions/", views.sessions, name="sessions"),
    path("sessions/new/", views.session_new, name="session_new"),
    path("sessions/preview/", views.session_preview, name="session_preview"),
    path("sessions/<int:pk>/close/", views.session_close, name="session_close"),
    path("sessions/<int:pk>/extend/", views.session_extend, name="session_extend"),
    path("sessions/<int:pk>/results/", views.session_results, name="session_results"),
    path("law-areas/", views.law_areas, name="law_areas"),
]
