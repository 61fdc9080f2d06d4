"""Local development: the embedded default that `make run` uses."""

from .base import *  # noqa: F403

# DEBUG stays off (base.py) unless a developer asks for it with DJANGO_DEBUG=true: with it on,
# an error shows a stack trace and a 404 lists every URL pattern, not the site's error pages.
# WhiteNoise serves static files straight from static/ and the apps either way (no collectstatic).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = None
