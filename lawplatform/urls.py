import re

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path
from django.views.static import serve as serve_file
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from people.api.views import TokenLoginView

from . import health, views

api_v1: list[URLPattern | URLResolver] = [
    path("auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("", include("people.api.urls")),
    path("", include("exams.api.urls")),
    path("", include("courses.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("credentials.api.urls")),
    path("", include("reminders.api.urls")),
]

handler400 = "lawplatform.views.bad_request"
handler403 = "lawplatform.views.permission_denied"
handler404 = "lawplatform.views.not_found"
handler500 = "lawplatform.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("manage/", views.manage_home, name="manage"),
    path("manage/", include("exams.manage.urls")),
    path("manage/people/", include("people.manage.urls")),
    path("exams/", include("exams.urls")),
    path("courses/", include("courses.urls")),
    path("reports/", include("reports.urls")),
    path("", include("credentials.urls")),
    path("reminders/", include("reminders.urls")),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]
if settings.SERVE_MEDIA:
    # Django's static() serves only while DEBUG is on; uploaded media must be served in production too.
    urlpatterns.append(
        re_path(
            rf"^{re.escape(settings.MEDIA_URL.lstrip('/'))}(?P<path>.*)$",
            serve_file,
            {"document_root": settings.MEDIA_ROOT},
        )
    )
