"""The project's URLs plus a route named like the reports dashboard, for the workspace's link to it."""

from django.http import HttpResponse
from django.urls import include, path

from lawplatform.urls import urlpatterns as project


def dashboard(request):  # type: ignore[no-untyped-def]
    return HttpResponse()


urlpatterns = [*project, path("reports/", include(([path("", dashboard, name="dashboard")], "reports")))]
