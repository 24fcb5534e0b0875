"""The WSGI entry point; it refuses to start without a SECRET_KEY unless DEBUG is on."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lawplatform.settings")

application = get_wsgi_application()

# Django raises ImproperlyConfigured for an empty key: fail at start, not at the first request.
settings.SECRET_KEY  # noqa: B018
