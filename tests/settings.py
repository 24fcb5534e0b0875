"""The suite's settings: the platform's, with the development values the suite runs on.

The platform's own defaults fail closed (``DEBUG`` off, no secret key); the tests set
``DEBUG`` on before the settings are read, as ``make run`` does, unless the environment
says otherwise. pytest-django still runs each test with ``settings.DEBUG`` off.
"""

import os

os.environ.setdefault("DEBUG", "true")

from lawplatform.settings import *  # noqa: F403
