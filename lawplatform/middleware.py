from typing import Any

from auditlog.middleware import AuditlogMiddleware
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
