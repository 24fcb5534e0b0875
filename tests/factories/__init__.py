"""factory_boy factories for the whole suite, one module per app."""

from .people import *  # noqa: F403
