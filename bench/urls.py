from django.urls import URLPattern, URLResolver, include, path

from .reference import ReferenceSave

urlpatterns: list[URLPattern | URLResolver] = [
    path("bench/reference/attempts/<int:attempt_id>/answers/", ReferenceSave.as_view()),
    path("", include("lawplatform.urls")),
]
