"""Settings shared by every environment.

Everything configurable comes from the environment through django-environ.
With no environment at all the app runs on the embedded default: SQLite,
a filesystem Celery broker and emails written to ``var/outbox``.
"""

import ipaddress
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as default_cors_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from dialogue_hub.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

# Settings come from the process's environment only. No .env is read here: the one
# .env.example describes is docker compose's (env_file), with production values that would
# otherwise leak into `make test`.
env = environ.Env()

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-key-change-me-" + "x" * 20)
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    # Organizers' own texts in every language (title_en, title_es, …); before the admin.
    # https://django-modeltranslation.readthedocs.io/en/latest/installation.html
    "modeltranslation",
    # django.contrib.admin on our own AdminSite, whose sign-in is throttled.
    # https://docs.djangoproject.com/en/5.2/ref/contrib/admin/#overriding-the-default-admin-site
    "dialogue_hub.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "dialogue_hub.apps.DialogueHubConfig",
    "initiatives.apps.InitiativesConfig",
    "participants.apps.ParticipantsConfig",
    "guides.apps.GuidesConfig",
    "actions.apps.ActionsConfig",
    "evaluation.apps.EvaluationConfig",
    # The read-only API and open data (api/): Django REST framework, django-filter for its
    # filters, drf-spectacular for the OpenAPI schema and its sidecar for the docs page's
    # assets (served from here, no CDN), django-cors-headers for the open data only.
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "api.apps.ApiConfig",
    # Prometheus metrics (/metrics, dialogue_hub/ops/): requests and latency per view, database
    # time, and the app's own figures. https://github.com/korfuri/django-prometheus
    "django_prometheus",
]

MIDDLEWARE = [
    # First: every log line of the request carries its id, returned as X-Request-ID.
    "dialogue_hub.request_ids.RequestIdMiddleware",
    # First and last: every request's count and latency, per view (django-prometheus).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # /metrics for an allowed scraper, before the host check: Prometheus names each web replica
    # by its address, which is no host the site answers to (dialogue_hub/ops/middleware.py).
    "dialogue_hub.ops.middleware.MetricsEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # CORS headers for the open data (/api/v1/open/…) only: CORS_URLS_REGEX below.
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Cache-Control: no-store on anything that may hold personal data (see the module).
    "dialogue_hub.middleware.NoStorePersonalDataMiddleware",
    # Deny by default: every view needs a login unless marked @login_not_required.
    # https://docs.djangoproject.com/en/5.2/ref/middleware/#django.contrib.auth.middleware.LoginRequiredMiddleware
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that every answer below has a session, a language and a user: a bidirectional
    # override a person typed never reorders a page; a link with a NUL or another control
    # character answers a clear 400 page (see dialogue_hub/text.py).
    "dialogue_hub.middleware.NeutralizeBidiControlsMiddleware",
    "dialogue_hub.middleware.RefuseControlCharactersMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "dialogue_hub.urls"
WSGI_APPLICATION = "dialogue_hub.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
    {
        # Plain-text emails: no HTML escaping (there is no HTML to break); see dialogue_hub/emails.py.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {"autoescape": False, "context_processors": []},
    },
]


def instrumented(database: dict) -> dict:
    """`database` (a DATABASES entry) through django-prometheus's wrapper of its backend: the
    same backend, and every query counted and timed (django_db_query_duration_seconds)."""
    engine = database["ENGINE"]
    prefix = "django.db.backends."
    if engine.startswith(prefix):
        database["ENGINE"] = "django_prometheus.db.backends." + engine.removeprefix(prefix)
    return database


# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {
    "default": instrumented(env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")),
}
if not env("DATABASE_URL", default=""):
    VAR_DIR.mkdir(exist_ok=True)
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith(".sqlite3"):
    # Tests on SQLite use an in-memory database, as Django does for its own sqlite3 engine;
    # said outright, because tools that recognise SQLite by the engine's name (pytest-django
    # under xdist) do not know django-prometheus's wrapper and would make a file name of it.
    DATABASES["default"].setdefault("TEST", {}).setdefault("NAME", ":memory:")
    # WAL + a busy timeout let the web server and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "dialogue_hub.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# https://docs.djangoproject.com/en/5.2/topics/auth/passwords/#using-argon2-with-django
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# django-allauth: email is the login, verification is mandatory, no usernames.
# https://docs.allauth.org/en/latest/account/configuration.html
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Changing the password keeps this session (update_session_auth_hash) and ends every other
# session of the user: Django checks each session's password hash on its next request.
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_SIGNUP_FORM_CLASS = "dialogue_hub.forms.SignupForm"
ACCOUNT_ADAPTER = "dialogue_hub.adapters.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Dialogue Hub] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = env("DJANGO_HTTP_PROTOCOL", default="http")
# allauth's defaults, with the failed-login limit spelled out: at most 10 failed logins a
# minute from one address, and 5 per account in 5 minutes; the 6th is refused even with the
# right password. Counted in the shared cache (Redis in production, so across all web processes).
# https://docs.allauth.org/en/latest/account/rate_limits.html
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key"}

# Internationalization: English is complete; Spanish arrives with the participant pages.
# https://docs.djangoproject.com/en/5.2/topics/i18n/
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# One written date style per language, short formats included (see dialogue_hub/formats/).
# What organizers write (titles, descriptions, time slots, guides…) is stored per language by
# django-modeltranslation (`<field>_en`, `<field>_es`; each app's translation.py). A reader
# whose language is missing gets the other one, which the pages mark as such
# (dialogue_hub/translated.py). Nothing is copied between languages on save.
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = {"default": ("en", "es")}
MODELTRANSLATION_AUTO_POPULATE = False
FORMAT_MODULE_PATH = ["dialogue_hub.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: a local outbox folder by default, SMTP when EMAIL_URL is set.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_OUTBOX_DIR = Path(env("DIALOGUE_HUB_OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "dialogue_hub.mail_backends.OneFilePerMessageBackend"
    EMAIL_FILE_PATH = str(EMAIL_OUTBOX_DIR)
DEFAULT_FROM_EMAIL = env(
    "DJANGO_DEFAULT_FROM_EMAIL", default="Dialogue Hub <noreply@dialoguehub.local>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: the embedded default is kombu's filesystem transport, so `make run` needs no Redis.
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600,
        # A request whose email cannot be handed to a down broker must not wait for it
        # (the outbox row is committed; the relay hands it over later).
        "socket_connect_timeout": 1,
        # Publishing makes one connection attempt, not kombu's default of retrying for
        # several seconds (the worker's own reconnect loop is configured separately).
        "max_retries": 0,
        # A hung Redis (accepting connections, never answering) holds a publish this long;
        # the worker reads its queue only when Redis has answered, so this never cuts it short.
        "socket_timeout": 1,
    }
else:
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem://"):
        for folder in ("queue", "processed", "control"):
            (CELERY_BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The beat schedule lives in code (dialogue_hub/celery.py), each entry with its crontab in words.


def redis_caches(url: str) -> dict:
    """CACHES on the Redis at `url` (production.py uses this too: one definition)."""
    return {
        "default": {
            "BACKEND": "dialogue_hub.cache_backends.FallbackRedisCache",
            "LOCATION": url,
        },
        "template_fragments": {
            "BACKEND": "dialogue_hub.cache_backends.TolerantRedisCache",
            "LOCATION": url,
        },
    }


# Cache: Redis when configured (shared by every web process), local memory otherwise.
# An unreachable Redis is never an error (dialogue_hub/cache_backends.py): rate limits and the
# blank registration form ("default") fall back to per-process memory, kept figures and
# {% cache %} fragments ("template_fragments") are missed.
if REDIS_URL:
    CACHES = redis_caches(REDIS_URL)
else:
    # A file cache under var/: shared by the web server and the Celery worker of `make run`
    # (separate processes), so rate limits and initiatives/cache.py's versions hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # The default (300) culls a third of the entries, rate-limit counters among them.
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }

# Content-Security-Policy (django-csp 4): no inline scripts or styles anywhere.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# A refused form answers in the site's layout (templates/403_csrf.html), like every error page.
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-failure-view
CSRF_FAILURE_VIEW = "dialogue_hub.views_errors.csrf_failure"
# Error reports (DEBUG off) show no posted value and no local variable: they hold personal data.
# https://docs.djangoproject.com/en/5.2/howto/error-reporting/#custom-error-reports
DEFAULT_EXCEPTION_REPORTER_FILTER = "dialogue_hub.debug.PersonalDataExceptionReporterFilter"

# How many proxies of our own stand in front of the app (e.g. 1: a TLS proxy), each appending
# the address it received the request from to X-Forwarded-For: rate limits count per client,
# the N-th address from the right (dialogue_hub/ratelimit.py). 0: no proxy, REMOTE_ADDR is the
# client and X-Forwarded-For is ignored. Too high a number lets clients choose their address.
DIALOGUE_HUB_TRUSTED_PROXY_HOPS = env.int("DJANGO_TRUSTED_PROXY_HOPS", default=0)

# Metrics (/metrics, Prometheus's text format; dialogue_hub/ops/): answered only to a client whose
# address (read as the rate limits read it, DJANGO_TRUSTED_PROXY_HOPS) is in one of these
# networks, or that sends `Authorization: Bearer <DIALOGUE_HUB_METRICS_TOKEN>`; anyone else gets
# the site's 404. Default: this machine only. A private range (10.0.0.0/8…) also lets in anyone
# whose request a proxy of yours passes on without X-Forwarded-For: prefer the token.
DIALOGUE_HUB_METRICS_ALLOWED_IPS = [
    str(ipaddress.ip_network(network.strip(), strict=False))  # a typo stops start-up here
    for network in env.list("DIALOGUE_HUB_METRICS_ALLOWED_IPS", default=["127.0.0.0/8", "::1/128"])
    if network.strip()
]
# A long random secret (at least 32 characters); unset: no token is accepted.
DIALOGUE_HUB_METRICS_TOKEN = env("DIALOGUE_HUB_METRICS_TOKEN", default="")
if DIALOGUE_HUB_METRICS_TOKEN and len(DIALOGUE_HUB_METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("DIALOGUE_HUB_METRICS_TOKEN must be at least 32 characters long.")
# No migrations gauge: it would query the migrations table in every process at start-up
# (django-prometheus 2.5's default, spelled out).
# https://github.com/korfuri/django-prometheus/blob/master/documentation/exports.md
PROMETHEUS_EXPORT_MIGRATIONS = False
# Under gunicorn each worker process counts its own requests: with PROMETHEUS_MULTIPROC_DIR set
# (an empty folder, emptied at every start: compose mounts a tmpfs there), each writes its counts
# to files in it and /metrics adds them up. Unset: /metrics shows the answering process's only.
# https://prometheus.github.io/client_python/multiprocess/
# prometheus_client reads the variable itself; here it is only created if missing.
PROMETHEUS_MULTIPROC_DIR = env("PROMETHEUS_MULTIPROC_DIR", default="")
if PROMETHEUS_MULTIPROC_DIR:
    Path(PROMETHEUS_MULTIPROC_DIR).mkdir(parents=True, exist_ok=True)

# How long an invitation to a team stays valid.
DIALOGUE_HUB_INVITATION_DAYS = env.int("DIALOGUE_HUB_INVITATION_DAYS", default=14)
# Invitations that were never accepted are deleted this many days after they expire.
DIALOGUE_HUB_INVITATION_PURGE_DAYS = env.int("DIALOGUE_HUB_INVITATION_PURGE_DAYS", default=90)

# Every logger through one console handler that redacts private-link tokens, API tokens,
# session ids, addresses and numbers and adds the request id (dialogue_hub/logs.py): plain text
# here (`make run`, tests), one JSON object a line in production (DJANGO_LOG_JSON).
# https://docs.djangoproject.com/en/5.2/topics/logging/#configuring-logging
LOGGING = logging_config(
    json=env.bool("DJANGO_LOG_JSON", default=False),
    level=env("DJANGO_LOG_LEVEL", default="INFO").upper(),
)

# --- the API (api/) -----------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    # Deny by default: a view that forgets its classes needs a token (api/views/base.py).
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "URL_FORMAT_OVERRIDE": None,
    "COERCE_DECIMAL_TO_STRING": False,
}
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
SPECTACULAR_SETTINGS = {
    "TITLE": "Dialogue Hub API",
    "DESCRIPTION": (
        "Read-only. **Open data** (`/api/v1/open/…`): what the public pages of a published "
        "initiative show, as JSON and as CSV, for anyone, no token; counts from 1 to 9 are "
        "suppressed. **Token API** (everything else): create a personal token on your "
        "account's *API tokens* page and send it as `Authorization: Bearer <token>`; it reads "
        "exactly what your roles read on the pages. Texts follow `Accept-Language` (en, es). "
        "Errors are JSON: `{status, code, detail, errors}`. Limits: HTTP 429 with `Retry-After`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {},
    "TAGS": [
        {"name": "open data", "description": "Anyone, no token: published initiatives only."},
        {"name": "token API", "description": "A personal token, with its owner's roles."},
    ],
}
# CORS: the open data may be read by any web page (a city's dashboard); nothing else.
# https://github.com/adamchainz/django-cors-headers#configuration
CORS_URLS_REGEX = r"^/api/v1/open/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Last-Modified", "Retry-After"]
# A dashboard polling with If-None-Match / If-Modified-Since from its own script sends them in
# a preflight's Access-Control-Request-Headers: allowed, or the browser blocks the request.
CORS_ALLOW_HEADERS = (*default_cors_headers, "if-none-match", "if-modified-since")
CORS_ALLOW_CREDENTIALS = False
# Requests per minute: per token, and per client (address) across the whole API.
DIALOGUE_HUB_API_TOKEN_RATE = env.int("DIALOGUE_HUB_API_TOKEN_RATE", default=600)
DIALOGUE_HUB_API_CLIENT_RATE = env.int("DIALOGUE_HUB_API_CLIENT_RATE", default=1200)
# The license the open data is published under (shown in every open-data answer).
DIALOGUE_HUB_OPEN_DATA_LICENSE = env("DIALOGUE_HUB_OPEN_DATA_LICENSE", default="CC BY 4.0")
DIALOGUE_HUB_OPEN_DATA_LICENSE_URL = env(
    "DIALOGUE_HUB_OPEN_DATA_LICENSE_URL",
    default="https://creativecommons.org/licenses/by/4.0/",
)

# Where links in emails point (emails are sent by Celery, outside any request).
DIALOGUE_HUB_BASE_URL = env("DIALOGUE_HUB_BASE_URL", default="http://127.0.0.1:8000")

# The outbox (dialogue_hub/outbox.py): messages per worker task, attempts before a message
# is failed, the first retry delay (doubling up to an hour), how long a claim by a worker
# may last before the relay takes it back, and when a handed-over message is handed over again.
# A batch is one task and one provider session (emails go over the worker process's held mail
# connection); what it sends is recorded as it goes, so a larger batch repeats no more after a
# killed worker (200: the text benchmark's pipeline took 15 s for 10,000 texts, against 17.5 s
# with 50).
DIALOGUE_HUB_OUTBOX_BATCH_SIZE = env.int("DIALOGUE_HUB_OUTBOX_BATCH_SIZE", default=200)
# Emails the mail server accepted are marked sent by one UPDATE per this many (and at a
# batch's end, and within a second): a commit waits for the disk, a message for the server
# about a millisecond. The price: a worker killed mid-batch sends again at most these (with the
# same Message-ID), never fewer than it sent; 1 records each one as it goes
# (dialogue_hub/outbox_email.py).
DIALOGUE_HUB_OUTBOX_RECORD_EVERY = env.int("DIALOGUE_HUB_OUTBOX_RECORD_EVERY", default=20)
# While people register many per second, the roster, the inclusion dashboard and the home's
# counts are computed again at most every this many seconds, not once per registration; a
# registration after a quiet spell, or entered by staff, shows at once (initiatives/cache.py).
DIALOGUE_HUB_REGISTRATIONS_LAG = env.float("DIALOGUE_HUB_REGISTRATIONS_LAG", default=5.0)
DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS = env.int("DIALOGUE_HUB_OUTBOX_MAX_ATTEMPTS", default=6)
DIALOGUE_HUB_OUTBOX_RETRY_SECONDS = env.int("DIALOGUE_HUB_OUTBOX_RETRY_SECONDS", default=60)
DIALOGUE_HUB_OUTBOX_LEASE_SECONDS = env.int("DIALOGUE_HUB_OUTBOX_LEASE_SECONDS", default=600)
DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS = env.int(
    "DIALOGUE_HUB_OUTBOX_REPUBLISH_SECONDS", default=900
)
# Sent, cancelled and skipped messages are deleted after this many days (they hold addresses).
DIALOGUE_HUB_OUTBOX_KEEP_DAYS = env.int("DIALOGUE_HUB_OUTBOX_KEEP_DAYS", default=90)

# Text messages (dialogue_hub/texts.py): `file://` (one file per text in var/sms/, the default),
# or `twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B15551234567` (or `?service=MG…`).
# The name texts begin with, so people know who writes (keep it short: it counts in every text).
DIALOGUE_HUB_SMS_URL = env("DIALOGUE_HUB_SMS_URL", default=f"file://{VAR_DIR / 'sms'}")
DIALOGUE_HUB_SMS_SENDER_NAME = env("DIALOGUE_HUB_SMS_SENDER_NAME", default="Dialogue Hub")
# The country of a team member's mobile number written without its +code, when they belong to
# no initiative yet (otherwise their first initiative's country): a 2-letter region.
DIALOGUE_HUB_DEFAULT_COUNTRY = env("DIALOGUE_HUB_DEFAULT_COUNTRY", default="US")

# How long the links emailed to participants work (days).
DIALOGUE_HUB_MANAGE_LINK_DAYS = env.int("DIALOGUE_HUB_MANAGE_LINK_DAYS", default=30)
DIALOGUE_HUB_CONFIRM_LINK_DAYS = env.int("DIALOGUE_HUB_CONFIRM_LINK_DAYS", default=14)
DIALOGUE_HUB_GUARDIAN_LINK_DAYS = env.int("DIALOGUE_HUB_GUARDIAN_LINK_DAYS", default=21)

# Backups (deploy/backup.sh, README: Backups): the folder its dumps and latest.json are in, as
# this process sees it (docker-compose.yml mounts the backups volume read-only into `web` at
# /backups). Empty: the last backup's time is unknown here.
DIALOGUE_HUB_BACKUP_DIR = env("DIALOGUE_HUB_BACKUP_DIR", default="")

# Retention: the personal data of an initiative (participants, their demographics and consents,
# its emails) is deleted this many days after it closed (participants/services/retention.py; run
# `manage.py purge_closed_initiatives`, e.g. nightly).
DIALOGUE_HUB_RETENTION_DAYS = env.int("DIALOGUE_HUB_RETENTION_DAYS", default=365)
