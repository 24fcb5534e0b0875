"""Web pages of the reports, included at /reports/ (app_name "reports")."""

from django.urls import URLPattern, path

from . import views

app_name = "reports"
urlpatterns: list[URLPattern] = [
    path("", views.dashboard, name="dashboard"),
    path("live/", views.live, name="live"),
    path("people/", views.people, name="people"),
    path("annual/", views.annual, name="annual"),
    path("annual/publish/", views.annual_publish, name="annual_publish"),
]
