"""Production: PostgreSQL + Redis + gunicorn + Celery worker and beat (docker-compose.yml).

Secrets have no default: a missing one stops start-up with django-environ's
ImproperlyConfigured message naming the variable.
"""

from dialogue_hub.error_reporting import error_reporting_init
from dialogue_hub.logs import logging_config

from .base import *  # noqa: F403
from .base import env, instrumented, redis_caches

DEBUG = False
SECRET_KEY = env("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS")
# Every link in every email (sent by workers, outside any request) starts with this address.
DIALOGUE_HUB_BASE_URL = env("DIALOGUE_HUB_BASE_URL")
DATABASES = {"default": instrumented(env.db("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
REDIS_URL = env("REDIS_URL")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": 1,
    "max_retries": 0,  # publish: one connection attempt (see base.py)
    "socket_timeout": 1,  # a hung Redis holds a publish at most this long (see base.py)
}
# Redis unreachable (stopped or hung) is never an error (dialogue_hub/cache_backends.py): rate
# limits and the blank registration form fall back to per-process memory; kept figures and
# {% cache %} fragments are missed. Sessions live in PostgreSQL alone (below).
CACHES = redis_caches(REDIS_URL)
vars().update(env.email_url("EMAIL_URL"))
# Text messages only with a provider (twilio://…): without one, nobody is offered texts, rather
# than texts written to a folder nobody reads.
DIALOGUE_HUB_SMS_URL = env("DIALOGUE_HUB_SMS_URL", default="")
# One JSON object a line on standard error, for Django, gunicorn (dialogue_hub/gunicorn_conf.py)
# and Celery alike, redacted and with the request id (dialogue_hub/logs.py; README "Logs").
LOGGING = logging_config(
    json=env.bool("DJANGO_LOG_JSON", default=True),
    level=env("DJANGO_LOG_LEVEL", default="INFO").upper(),
)
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default="/app/var/celerybeat-schedule"
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-proxy-ssl-header
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# /healthz is probed, and /metrics scraped, over plain HTTP inside the container network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SESSION_COOKIE_SECURE = True
# Sessions in PostgreSQL alone (one primary-key read a signed-in request), not cached_db: a
# cached copy that Redis kept through an outage would outlive a sign-out made during it, and
# would bring a signed-out session back for whoever held its cookie.
# https://docs.djangoproject.com/en/5.2/topics/http/sessions/#using-database-backed-sessions
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CSRF_COOKIE_SECURE = True
# https://docs.djangoproject.com/en/5.2/ref/middleware/#http-strict-transport-security
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https"

# Error reporting (optional): with SENTRY_DSN set, the errors of the web app and of the Celery
# workers (they read these settings too) go to Sentry or a compatible service, personal data
# scrubbed before sending (dialogue_hub/error_reporting.py). Without it sentry-sdk is not loaded.
# https://docs.sentry.io/platforms/python/integrations/django/
error_reporting_init(env)
