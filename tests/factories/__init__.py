"""factory_boy factories for the whole suite, one module per app."""

from .courses import *  # noqa: F403
from .credentials import *  # noqa: F403
from .exams import *  # noqa: F403
from .people import *  # noqa: F403
from .reminders import *  # noqa: F403
from .reports import *  # noqa: F403
