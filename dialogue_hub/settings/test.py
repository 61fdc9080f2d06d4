"""Test settings: SQLite by default, the real PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set."""

import os
from urllib.parse import urlsplit, urlunsplit

# Parallel test runs (pytest-xdist): each worker process gets a Redis database of its own (db N+1
# for worker gwN), as it gets a test database of its own, so one worker's flushes, broker queues
# and rate limits never meet another's. Set before base.py reads REDIS_URL. A stock Redis has 16
# databases (0-15), so at most 15 workers can share one: `make test` caps `-n auto` there
# (--maxprocesses), and more workers asked for by hand stop here with what to do instead of
# failing later in every Redis test.
REDIS_DATABASES = 16
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REDIS_URL"):
    _db = int(_worker[2:]) + 1
    if _db >= REDIS_DATABASES:
        raise RuntimeError(
            f"Test worker {_worker} would need Redis database {_db}, but Redis has "
            f"{REDIS_DATABASES} (0-{REDIS_DATABASES - 1}). Run at most {REDIS_DATABASES - 1} "
            "workers with REDIS_URL set (make test TEST_WORKERS=15)."
        )
    _url = urlsplit(os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{_db}"))

from .base import *  # noqa: E402, F403
from .base import REDIS_URL, TEMPLATES  # noqa: E402

DEBUG = False
# A fast hasher: Argon2 (base.py) costs a tenth of a second per password set or checked.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Every template compiled once per process, for both engines (Django's default with DEBUG off,
# spelled out so that turning DEBUG on to look into a failure does not slow the suite down).
# https://docs.djangoproject.com/en/5.2/ref/templates/api/#django.template.loaders.cached.Loader
TEMPLATES = [
    {
        **engine,
        "APP_DIRS": False,  # the loaders below read the apps' templates/ folders
        "OPTIONS": {
            **engine["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "django.template.loaders.filesystem.Loader",
                        "django.template.loaders.app_directories.Loader",
                    ],
                )
            ],
        },
    }
    for engine in TEMPLATES
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DIALOGUE_HUB_SMS_URL = "locmem://"
# Unit tests run tasks eagerly; tests marked `redis` use a real broker and worker.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
if not REDIS_URL:
    CELERY_BROKER_URL = "memory://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# A form layout naming a field the form does not have fails the test that renders it (crispy-forms
# only logs "Could not resolve form field" by default).
CRISPY_FAIL_SILENTLY = False
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files from the finders; no collectstatic in tests.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
