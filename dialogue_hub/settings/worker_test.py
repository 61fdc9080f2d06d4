"""Settings for a real Celery worker started by the tests (tests/test_outbox_worker.py) and the
benchmark (bench/run): the test settings, but tasks go through the broker and email goes over
SMTP to the sink the test started. DATABASE_URL names the test database, REDIS_URL the broker.
"""

from .base import env
from .test import *  # noqa: F403

CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_EAGER_PROPAGATES = False

# https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env("EMAIL_HOST", default="127.0.0.1")
EMAIL_PORT = env.int("EMAIL_PORT", default=1025)
EMAIL_USE_TLS = False
EMAIL_USE_SSL = False
EMAIL_TIMEOUT = 10

# Texts go to the local server that speaks Twilio's Messages API, started by the test.
DIALOGUE_HUB_SMS_URL = env("DIALOGUE_HUB_SMS_URL", default="locmem://")
