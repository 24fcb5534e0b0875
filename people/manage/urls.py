"""The roster pages of the workspace, included at /manage/people/ (app_name "people_manage")."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "people_manage"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.roster, name="roster"),
    path("departments/", views.department_add, name="department_add"),
    path("import/", views.roster_upload, name="roster_import"),
    path("import-template/", views.roster_template, name="roster_template"),
]
