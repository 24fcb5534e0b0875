from typing import Any

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import Http404
from django.utils.functional import SimpleLazyObject


class AuditActorMiddleware(AuditlogMiddleware):
    """Auditlog's middleware, with the actor read when an entry is written.

    API clients authenticate with a token inside the DRF view, after middleware
    has run; DRF then sets ``request.user`` on the Django request, so resolving
    the actor lazily records the token's user as well as the session's.
    """

    @staticmethod
    def _get_actor(request: Any) -> Any:
        return SimpleLazyObject(lambda: AuditlogMiddleware._get_actor(request))


class LanguageMiddleware:
    """Chinese unless the person chose another language (the language cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would also follow the browser's Accept-Language; a
    bureau's platform speaks Chinese to everyone who has not switched.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings
        from django.utils import translation

        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class RejectNulMiddleware:
    """400 for a query string holding a NUL character: no database stores one in text, and
    PostgreSQL refuses it with an error, so no filter may pass one on."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": _("查询参数中不能含有空字符。"), "code": "invalid"}, status=400
                )
            return HttpResponseBadRequest(_("查询参数中不能含有空字符。"))
        return self.get_response(request)


class DebugNotFoundMiddleware:
    """The site's 404 page with ``DEBUG`` on too.

    With ``DEBUG`` off, Django answers every 404 through ``handler404``. With it on, Django shows its
    technical page instead, which lists every URL pattern of the project; a development server
    reachable from an office network would hand that map to anyone. So, with ``DEBUG`` on, a path
    that matched no URL and a view that raised ``Http404`` get the same page as in production.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        if (
            settings.DEBUG
            and response.status_code == 404
            and getattr(request, "resolver_match", None) is None
        ):
            from .views import not_found

            return not_found(request)
        return response

    def process_exception(self, request: Any, exception: Exception) -> Any:
        if settings.DEBUG and isinstance(exception, Http404):
            from .views import not_found

            return not_found(request, exception)
        return None
