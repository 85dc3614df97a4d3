"""Project settings, read from the environment (django-environ) in one place.

Everything that differs between a laptop and production comes from an environment
variable; the defaults are the embedded development setup (SQLite, a filesystem broker,
console email). Production (``DEBUG`` off) refuses to start without ``SECRET_KEY``.
"""

from base64 import b64encode
from datetime import timedelta
from hashlib import sha256
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()


def env_bool(name, *, default):
    """A yes/no setting; anything but true/false (or 1/0, yes/no, on/off) stops the start-up.

    django-environ reads any unknown word as false, so ``DEBUG=ture`` would pass unnoticed.
    """
    value = env.str(name, default="").strip().lower()
    if not value:
        return default
    if value in ("true", "1", "yes", "on"):
        return True
    if value in ("false", "0", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


DEBUG = env_bool("DEBUG", default=False)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-never-use-in-production"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Applications ---------------------------------------------------------------------------
DJANGO_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
]
THIRD_PARTY_APPS = [
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
]
LOCAL_APPS = [
    "patients",
    "assessments",
    "care",
    "clinical_rules",
    "reminders",
    "reports",
    "diary",
    "audit",
    "webhooks",
    "accounts",
    "api",
    "fhir_r4",
    "web",
    "backoffice",
    "demo",
]
INSTALLED_APPS = DJANGO_APPS + THIRD_PARTY_APPS + LOCAL_APPS

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their long cache; every other response is no-store.
    "clinic.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After a user's successful write, their reads stay on the primary for a while (db_router).
    "clinic.middleware.ReplicaPinMiddleware",
    # request.user.is_verified(): whether this session passed its second factor.
    "django_otp.middleware.OTPMiddleware",
    # Until then, a session signed in with its password alone reaches only the second step.
    "accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "clinic.middleware_bodies.RequestBodyLimitMiddleware",
    # Records the request user as the author of every history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# The cache: where rate limits count (the diary's, the API's per token). Each process's own memory by default; give the
# deployment's Redis (CACHE_URL=redis://…) so that every worker counts together.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}

# SPEC §7: the patient diary answers this many requests per window of this many seconds, from one
# address and for one link; beyond that, 429 until the window ends.
DIARY_RATE_WINDOW_SECONDS = 600
DIARY_REQUESTS_PER_ADDRESS = 120
DIARY_REQUESTS_PER_LINK = 60

# SPEC §2 "Plausible input": a larger request body is refused with a 413 (clinic.middleware_bodies).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1_048_576

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "web.context_processors.staff",
            ],
        },
    },
]

# Database -------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded setup has a web server, a worker and a scheduler writing to one file:
    # take the write lock up front and wait for it rather than fail with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles any plan whose *estimated* cost is high. For this app's
    # queries (reports, lists with correlated subqueries) compiling costs more than it saves:
    # 0.7 s of a 1.4 s caseload report at 50,000 patients (benchmarks/README.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# Seconds a web or worker process keeps its database connection between requests (0: a new one each time).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=0)
# A kept connection is checked before each request reuses it: after PostgreSQL restarts, a dead one is
# replaced rather than failing the request, so the app recovers with no process restart.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The primary behind PgBouncer in transaction pooling (docker-compose.yml): consecutive
# transactions may run on different server connections, so no server-side cursor (a
# ``.iterator()`` keeps one open across them) and no ``options`` start-up parameter, which
# PgBouncer refuses (the server sets jit=off itself).
# https://docs.djangoproject.com/en/5.2/ref/databases/#transaction-pooling-server-side-cursors
if env_bool("DATABASE_TRANSACTION_POOLING", default=False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"]["OPTIONS"].pop("options", None)

# A PostgreSQL streaming replica for the heavy reads: reports, their CSV, the access-log report,
# the FHIR Bulk Data export (clinic/db_router.py). Connected directly, not pooled, so that a
# CSV export streams from a server-side cursor in constant memory. In tests it mirrors
# ``default``: no test database is created for it.
DATABASE_ROUTERS = ["clinic.db_router.PrimaryReplicaRouter"]
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = env.db("DATABASE_REPLICA_URL")
    # A replica that is down is found out in seconds, and its reads go to the primary.
    DATABASES["replica"].setdefault("OPTIONS", {}).update({"options": "-c jit=off", "connect_timeout": 3})
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
# After a user's successful write, their reads stay on the primary this long: a few seconds more
# than a replica's usual lag (well under a second on one network), so they see their own write.
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=5)
# The export waits this long for the replica to reach the primary's position, then reads the primary.
DATABASE_REPLICA_CATCH_UP_SECONDS = env.int("DATABASE_REPLICA_CATCH_UP_SECONDS", default=30)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# django-axes first: it refuses a locked-out username before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
# Messages name patients ("Quix, Zelda (MRN ZZ123) registered."): kept in the session, on the
# server, never in a cookie (Django's default stores them in one, signed but readable).
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
LOGIN_REDIRECT_URL = "web:patient_list"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in security (SPEC §5) -------------------------------------------------------------
# Login lockout, https://django-axes.readthedocs.io/en/latest/4_configuration.html: one
# counter per username across /login/, /admin/login/ and the API's token endpoint; 5 failures
# within 15 minutes lock that username (not the address) for 15 minutes from the last one.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = "accounts.lockout.lockout_parameters"
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_USE_ATTEMPT_EXPIRATION = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 429
# A JSON 429 under /api/, a page elsewhere; both with Retry-After.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_SENSITIVE_PARAMETERS = ["password"]

# Roles that must sign in to the pages with a second factor (TOTP or a recovery code).
MFA_ROLES = ("nurse", "physio", "admin", "superuser")
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["admin", "superuser"])
if unknown_roles := set(MFA_REQUIRED_ROLES) - set(MFA_ROLES):
    raise ImproperlyConfigured(
        f"MFA_REQUIRED_ROLES: unknown roles {sorted(unknown_roles)}; choose among {', '.join(MFA_ROLES)}."
    )
OTP_TOTP_ISSUER = "MS Strength Clinic"

# A session ends after SESSION_IDLE_MINUTES without a request (each request renews it) and
# when the browser closes.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# API tokens (django-rest-knox): stored as digests, expiring a clinic day after sign-in.
API_TOKEN_TTL_HOURS = env.int("API_TOKEN_TTL_HOURS", default=10)
API_TOKENS_PER_USER = 5
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=API_TOKEN_TTL_HOURS),
    "AUTH_HEADER_PREFIX": "Token",
    # The expiry is fixed at sign-in; a busy token is not kept alive by its own use.
    "AUTO_REFRESH": False,
}

# Internationalisation -------------------------------------------------------------------
# Timestamps are stored in UTC; "today" and every clinical date are local to this zone.
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env.str("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

# Static files (served by the app itself through WhiteNoise: clinics run closed networks).
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Front-end libraries come from npm (package.json, `npm ci` in `make` and the Dockerfile) and
# are served from node_modules like any other static file: no CDN, nothing vendored in git.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/chart.js", NODE_MODULES / "chart.js" / "dist"),
    ("vendor/htmx.org", NODE_MODULES / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email ----------------------------------------------------------------------------------
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-email-url
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
# A backend by dotted path (e.g. a test backend) overrides the one EMAIL_URL selects.
EMAIL_CONFIG["EMAIL_BACKEND"] = env.str("EMAIL_BACKEND", default=EMAIL_CONFIG["EMAIL_BACKEND"])
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="MS Strength Clinic <clinic@localhost>")
# The address staff open the app at, for links in emails sent without a request (reminders).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
# The FHIR API's namespace (SPEC §6): its local CodeSystems are {FHIR_BASE_URL}/CodeSystem/<id>
# and the MRNs {FHIR_BASE_URL}/sid/mrn/<clinic code>. By default the address it is served at.
FHIR_BASE_URL = env.str("FHIR_BASE_URL", default=f"{SITE_URL}/fhir/R4").rstrip("/")
# Bulk Data exports (SPEC §6): the NDJSON files are written here by the worker and served to the
# requester until FHIR_EXPORT_TTL_HOURS after the export finished; then the sweep removes them.
FHIR_EXPORT_DIR = Path(env.str("FHIR_EXPORT_DIR", default=str(VAR_DIR / "fhir-exports")))
FHIR_EXPORT_TTL_HOURS = env.int("FHIR_EXPORT_TTL_HOURS", default=24)

# REST framework -------------------------------------------------------------------------
# https://www.django-rest-framework.org/api-guide/settings/
REST_FRAMEWORK = {
    # Token first: its WWW-Authenticate header makes a request without credentials a 401, not a 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumber",
    "DEFAULT_PARSER_CLASSES": ["api.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
    # Requests a minute per token (API_RATE_PER_MINUTE) or, without credentials, per address.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle", "api.throttling.AnonymousRateThrottle"],
}
# The API's integration contract (SPEC §4): rate limits, strict If-Match, idempotency keys.
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", default=600)
API_ANON_RATE_PER_MINUTE = env.int("API_ANON_RATE_PER_MINUTE", default=60)
# On, a PATCH without If-Match is refused with 428: no client can overwrite a change it never saw.
API_REQUIRE_IF_MATCH = env_bool("API_REQUIRE_IF_MATCH", default=False)
# How long a POST's Idempotency-Key answers its stored response (SPEC §4: a day).
API_IDEMPOTENCY_TTL = timedelta(hours=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "MS Strength Clinic API",
    "VERSION": "1.0.0",
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "PatientStatusEnum": "patients.models.PatientStatus",
        "DeviceStatusEnum": "care.models.DeviceStatus",
        "ReferralStatusEnum": "care.models.ReferralStatus",
        "ReminderStatusEnum": "reminders.models.ReminderStatus",
        "MuscleSideEnum": "assessments.grades.Side",
        "DeviceSideEnum": "care.models.DeviceSide",
        "GradeEnum": "api.serializers.GRADE_LABELS",
        "MasEnum": "api.serializers.MAS_LABELS",
        "PlanSideEnum": "care.models.PlanSide",
        "PlanKindEnum": "care.models.PlanKind",
        "AccessActionEnum": "audit.models.AccessAction",
        "WebhookEventEnum": "webhooks.models.EventType",
        "WebhookDeliveryStatusEnum": "webhooks.models.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.document_errors",
    ],
}

# Celery ---------------------------------------------------------------------------------
# The embedded default broker is kombu's filesystem transport: no server needed.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
else:
    # How long a delivery claimed by a worker that died stays invisible before Redis redelivers it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
# Deployments (or test runs) sharing one Redis keep apart by queue name.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
# The reminder sweep, email, webhook deliveries and FHIR exports each on a queue named after the
# default one ("celery.exports"), so a long export never delays an email (clinic.queues). Every
# worker names its queues with -Q (Makefile, docker-compose.yml).
CELERY_TASK_ROUTES = ("clinic.queues.route_task",)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# One task at a time per worker process, acknowledged when done (see reminders.tasks).
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# With the broker down, an API write gives up queueing quickly; the sweep re-queues later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# The single scheduler (one beat process) runs the sweep every few minutes.
REMINDER_SWEEP_SECONDS = env.int("REMINDER_SWEEP_SECONDS", default=300)
CELERY_BEAT_SCHEDULE = {
    "reminder-sweep": {"task": "reminders.tasks.sweep_reminders", "schedule": REMINDER_SWEEP_SECONDS},
    "fhir-export-expiry": {"task": "fhir_r4.tasks.expire_exports", "schedule": 3600},
    "idempotency-key-expiry": {"task": "api.tasks.expire_idempotency_keys", "schedule": 3600},
    "webhook-sweep": {
        "task": "webhooks.tasks.sweep_webhooks",
        "schedule": env.int("WEBHOOK_SWEEP_SECONDS", default=60),
    },
}

# Webhooks (SPEC §4): how long one POST may take, the backoff between attempts (doubling from
# the base up to the cap) and how many attempts before giving up (30 s doubling to an hour, 15
# attempts: about 9 hours).
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_RETRY_MAX_SECONDS = env.int("WEBHOOK_RETRY_MAX_SECONDS", default=3600)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=15)
# A worker holds a delivery this long; a claim older than that belongs to a worker that died.
WEBHOOK_CLAIM_SECONDS = env.int("WEBHOOK_CLAIM_SECONDS", default=WEBHOOK_TIMEOUT_SECONDS + 60)
# The sweep re-queues a delivery due for longer than this and held by no worker: its task was lost.
WEBHOOK_SWEEP_GRACE_SECONDS = env.int("WEBHOOK_SWEEP_GRACE_SECONDS", default=120)
WEBHOOK_SWEEP_BATCH = env.int("WEBHOOK_SWEEP_BATCH", default=1000)
# Endpoints on loopback, private or link-local addresses are refused unless this is true
# (a receiver on the same machine in development and tests).
WEBHOOK_ALLOW_PRIVATE_URLS = env_bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=False)

# Clinical thresholds --------------------------------------------------------------------
# SPEC §3 rule 2: the minimal important change for the MRC sum score comes from
# neuromuscular disease, not MS, so clinics may tune it.
MRC_SUM_DROP_POINTS = env.int("MRC_SUM_DROP_POINTS", default=2)

# Demo data ------------------------------------------------------------------------------
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-pass-2026")

# Responses: HTTPS, security headers, Content Security Policy (SPEC §5) ------------------
# https://docs.djangoproject.com/en/5.2/ref/middleware/#module-django.middleware.security
# Production (DEBUG off) redirects plain HTTP to HTTPS and sends HSTS. Behind a proxy that
# terminates TLS, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https (only if the
# proxy sets that header on every request, overwriting the client's), or
# SECURE_SSL_REDIRECT=false if the proxy redirects itself.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
_proxy_ssl_header = tuple(part.strip() for part in env.list("SECURE_PROXY_SSL_HEADER", default=[]))
if _proxy_ssl_header and (len(_proxy_ssl_header) != 2 or not _proxy_ssl_header[0].startswith("HTTP_")):
    raise ImproperlyConfigured(
        "SECURE_PROXY_SSL_HEADER must be a request header and its value, e.g. HTTP_X_FORWARDED_PROTO,https."
    )
SECURE_PROXY_SSL_HEADER = _proxy_ssl_header or None
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 365 * 24 * 3600)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Django's defaults, stated because SPEC §5 relies on them.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# django-csp 4, https://django-csp.readthedocs.io/en/latest/configuration.html: scripts and
# styles only from the app's own static files; no inline code, no eval. A template that must
# run inline code marks it with nonce="{{ request.csp_nonce }}" (a new nonce per response).
# data: images are Swagger UI's icons, in its stylesheet.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        # The one style attribute a library renders, in django-simple-history's admin history
        # list: allowed by the hash of its exact text and nothing else inline.
        "style-src-attr": [
            UNSAFE_HASHES,
            f"'sha256-{b64encode(sha256(b'border-top: 0').digest()).decode()}'",
        ],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

# Logging: https://docs.djangoproject.com/en/5.2/topics/logging/. Nothing logged names a
# patient or carries a secret (SPEC §5): Django's own records give the path, never the body;
# a 4xx keeps no traceback; and Django's error emails to ADMINS (with the request's data and
# each frame's local variables, patients included) are off — the "django" logger has no
# handler of its own and passes its records to the console at INFO, whatever LOG_LEVEL says
# (at DEBUG, Django would log SQL with its parameters).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "omit_client_error_tracebacks": {"()": "clinic.log_filters.OmitClientErrorTracebacks"},
        "hide_diary_secrets": {"()": "clinic.log_filters.HideDiarySecrets"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["omit_client_error_tracebacks", "hide_diary_secrets"],
        },
    },
    "loggers": {"django": {"handlers": [], "level": "INFO", "propagate": True}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
