"""Settings for the referral and caseload system.

All configuration comes from the environment (see .env.example). With nothing
set, the project runs as a self-contained demo: SQLite and a Celery transport on
the filesystem. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

import sys
from datetime import date, timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF

from .env import ImproperSetting, env_bool, env_int, env_list, env_seconds, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", False)
PRODUCTION = env_bool("DJANGO_PRODUCTION", False)
SECRET_KEY = env_str(
    "DJANGO_SECRET_KEY",
    # Only the demo may run without a secret; production settings must set one.
    "insecure-demo-key-change-me" if DEBUG or not env_bool("DJANGO_PRODUCTION", False) else None,
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    # Swagger UI's own files, served from our static files (no CDN), for /api/docs/.
    "drf_spectacular_sidecar",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # request.htmx: was this request made by htmx, and which element does it target?
    "django_htmx",
    # Our apps, lowest layer first (docs/architecture.md says who may import whom).
    "common",
    "codes",
    "localities",
    "accounts",
    "referrals",
    "access",
    "pathways",
    "groupwork",
    "caseload",
    "reporting",
    "interchange",
    "demo",
    # /healthz and /metrics for load balancers, monitors and Prometheus.
    "ops",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # django-csp's middleware (subclassed to let the Swagger UI page show its data: icons).
    "accounts.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise, so static files keep their cache lifetimes: Permissions-Policy on every
    # response, Cache-Control: no-store on every response to a signed-in user or an API token.
    "config.middleware.SecurityHeadersMiddleware",
    # A NUL character in the path, query string or a posted form: 400 before any view runs.
    "config.middleware.RejectNulMiddleware",
    # Every audit row a request writes records the address it came from (accounts.request_ip).
    "accounts.request_ip.RequestAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # Sets request.htmx (django-htmx), so views never read the HX-* headers by hand.
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Adds request.user.is_verified(): has this session passed a second factor?
    "django_otp.middleware.OTPMiddleware",
    # Sends a signed-in browser that still owes a second factor to the verify or set-up page.
    "accounts.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: turns a lockout flagged during the request into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "referrals.context_processors.unread_alerts",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
_sqlite_default = f"sqlite:///{VAR_DIR / 'demo.sqlite3'}"
# PostgreSQL in production has two roles (docs/adr/0009): DATABASE_URL is the application's, a
# role that owns nothing and may only read and add to the audit log; MIGRATE_DATABASE_URL is the
# tables' owner, used only by `manage.py migrate` and `manage.py db_roles` (which makes the
# application's role and grants it what it needs). Without MIGRATE_DATABASE_URL, everything
# connects with DATABASE_URL (the demo on SQLite, the tests, a single-role setup).
_app_database = dj_database_url.parse(env_str("DATABASE_URL", _sqlite_default))
MIGRATE_DATABASE_URL = env_str("MIGRATE_DATABASE_URL", "")
# Who db_roles creates (or updates) and grants to: DATABASE_URL's user and password.
APP_DATABASE_USER = str(_app_database.get("USER") or "")
APP_DATABASE_PASSWORD = str(_app_database.get("PASSWORD") or "")
OWNER_COMMANDS = ("migrate", "db_roles")
_database_url = env_str("DATABASE_URL", _sqlite_default)
if MIGRATE_DATABASE_URL:
    _owner_database = dj_database_url.parse(MIGRATE_DATABASE_URL)
    _where = ("ENGINE", "NAME", "HOST", "PORT")
    if any(_owner_database.get(key) != _app_database.get(key) for key in _where):
        raise ImproperSetting("MIGRATE_DATABASE_URL must name the same database (host, port, name) as DATABASE_URL")
    if sys.argv[1:2] and sys.argv[1] in OWNER_COMMANDS:
        _database_url = MIGRATE_DATABASE_URL
DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # The demo runs web, worker and beat against one SQLite file: wait for the
    # write lock instead of failing, and take it at BEGIN so two writers never
    # deadlock upgrading a read lock.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A connection kept across requests is checked before reuse, so one broken by a
    # PostgreSQL restart is replaced instead of failing the next request or task.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # The development server (make run) starts a thread per request, and a persistent
    # connection per thread is never reused nor closed: 30 requests left 27 connections open.
    if sys.argv[1:2] == ["runserver"]:
        DATABASES["default"]["CONN_MAX_AGE"] = 0
    # No JIT compilation: the pages run short queries whose cost estimates (correlated subqueries
    # over millions of rows) tempt PostgreSQL to spend hundreds of milliseconds compiling them,
    # longer than running them (measured by scripts/bench_access.py).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis / cache / Celery -----------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    # Django's Redis cache, keeping one Redis client instead of making one per call (ops/cache.py).
    CACHES = {"default": {"BACKEND": "ops.cache.RedisCache", "LOCATION": REDIS_URL}}
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
        # Deadlines live in PostgreSQL, not in Celery ETAs, so the visibility timeout only has
        # to outlast one task (a delivery task makes way after ALERT_DELIVERY_TASK_SECONDS). A
        # task taken by a worker killed with -9 goes back to the queue after this long; the
        # alerts themselves are picked up sooner, by the next sweep, once their lease runs out.
        "visibility_timeout": 120,
        # Fail a publish fast while Redis restarts: the sweep counts it and the next one retries.
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
    # No task waits in a worker's memory behind a running one (Redis only): a worker killed
    # with -9 strands at most the task it was running, never a reserved one.
    CELERY_WORKER_DISABLE_PREFETCH = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # kombu's filesystem transport: a queue of files that needs no server.
    _queue_dir, _processed_dir, _control_dir = (
        VAR_DIR / d for d in ("celery-queue", "celery-processed", "celery-control")
    )
    for _dir in (_queue_dir, _processed_dir, _control_dir):
        _dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
        "control_folder": str(_control_dir),
    }
# Rate limits (accounts.throttles, the `limits` library): in Redis, shared by every worker, when
# there is one; else in the process's memory (the demo runs one web process).
RATE_LIMIT_STORAGE_URI = REDIS_URL or "memory://"
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
# A task whose worker process died (killed, out of memory) goes back to the queue, not to "done".
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# On a broker connection loss a running task carries on (its work is claimed in the database);
# cancelling it would only strand the alert it holds until its lease runs out.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A refused publish gives up within about a second; the sweep records it and the next one retries.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Alerts must arrive within a minute of their threshold: sweep every 10 seconds (a sweep with
# nothing due is two indexed queries and one row written).
CLOCK_SWEEP_INTERVAL_SECONDS = env_int("CLOCK_SWEEP_INTERVAL_SECONDS", 10)
if CLOCK_SWEEP_INTERVAL_SECONDS < 1:
    raise ImproperSetting(f"CLOCK_SWEEP_INTERVAL_SECONDS={CLOCK_SWEEP_INTERVAL_SECONDS} must be 1 or more")
# No sweep for this long: /healthz fails, the alerts inbox warns and administrators get one email.
CLOCK_SWEEP_STALE_AFTER = env_seconds("CLOCK_SWEEP_STALE_SECONDS", timedelta(minutes=3))
CELERY_BEAT_SCHEDULE = {
    "sweep-clocks": {
        "task": "referrals.tasks.sweep_clocks",
        "schedule": float(CLOCK_SWEEP_INTERVAL_SECONDS),
        # A sweep older than one interval is stale: the next one covers it.
        "options": {"expires": float(CLOCK_SWEEP_INTERVAL_SECONDS)},
    },
    # Keeps the dashboards' reporting tables' catch-up small (pages also catch up first).
    "refresh-reporting": {
        # Registered under its name from before the move to the reporting app (reporting/tasks.py).
        "task": "referrals.reporting.tasks.refresh_reporting",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    # Expired break-glass and cover grants are already refused by the selectors; this removes
    # the rows so django-guardian's own checks agree.
    "expire-grants": {
        # Registered under its name from before the move to the access app (access/tasks.py).
        "task": "accounts.tasks.expire_grants",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # The short messages owed to referrers (referrals.services.referrer), and the covers whose
    # date range has begun (access.grants.covers_start_due).
    "deliver-referrer-updates": {
        "task": "referrals.tasks.deliver_referrer_updates",
        "schedule": 60.0,
        "options": {"expires": 60.0},
    },
    "start-due-covers": {
        "task": "caseload.tasks.start_due_covers",
        "schedule": 300.0,
        "options": {"expires": 300.0},
    },
    # Sessions live in the database (cached_db): remove the expired ones once a day.
    "clear-expired-sessions": {
        "task": "ops.tasks.clear_expired_sessions",
        "schedule": 86400.0,
        "options": {"expires": 3600.0},
    },
}
# How long a break-glass opening lasts before the clinician must give a reason again.
BREAK_GLASS_DURATION = env_seconds("BREAK_GLASS_SECONDS", timedelta(hours=8))
# How long a sender holds an alert before another may take it over: sized to one alert's
# delivery (in-app rows, then each email with its EMAIL_TIMEOUT), so an alert held by a worker
# killed mid-send is delivered by another within about this plus one sweep interval.
ALERT_DELIVERY_LEASE = env_seconds("ALERT_DELIVERY_LEASE_SECONDS", timedelta(seconds=30))
# How many delivery tasks one sweep may wake at once (one per 50 waiting alerts): match the
# worker processes there are.
ALERT_DELIVERY_PARALLELISM = env_int("ALERT_DELIVERY_PARALLELISM", 4)
if ALERT_DELIVERY_PARALLELISM < 1:
    raise ImproperSetting(f"ALERT_DELIVERY_PARALLELISM={ALERT_DELIVERY_PARALLELISM} must be 1 or more")
# A delivery task drains alerts for about this long, then queues its successor behind the next sweep.
ALERT_DELIVERY_TASK_SECONDS = 8.0
# /metrics: with a token, only requests with "Authorization: Bearer <token>" are answered; without
# one, /metrics answers only outside production.
METRICS_TOKEN = env_str("METRICS_TOKEN", "")

# --- Email ------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "sent-email"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds before a silent mail server is given up on; must be well inside ALERT_DELIVERY_LEASE.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "alerts@referrals.invalid")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# --- Auth -------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username+address before any password is checked. It checks
    # nothing else (no permissions); ModelBackend and guardian do the rest, as before.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on with OpenID Connect (e.g. NHS Care Identity Service 2 with a smartcard), off
# unless OIDC_RP_CLIENT_ID is set. Staff accounts are made and given roles by an administrator;
# a sign-on only logs in the one active account with the same email address (never creates one).
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_USE_PKCE = True
OIDC_CREATE_USER = False
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso-callback"
OIDC_SSO_LABEL = env_str("OIDC_SSO_LABEL", "Log in with your NHS smartcard")
# The assurance levels (the id token's "acr" claim) that count as two factors already, so no
# authenticator code is asked for afterwards: a smartcard and its PIN are two factors.
OIDC_TWO_FACTOR_ACR_VALUES = env_list("OIDC_TWO_FACTOR_ACR_VALUES", ["AAL3"])
if OIDC_ENABLED:
    AUTHENTICATION_BACKENDS.insert(1, "accounts.oidc.StaffOIDCBackend")
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "referrals:home"
# Logging out is a POST; the redirect lands on a plain page, so refreshing it never re-posts.
LOGOUT_REDIRECT_URL = "accounts:logged-out"
GUARDIAN_RAISE_403 = False
ANONYMOUS_USER_NAME = None

# How many proxies in front of us append to X-Forwarded-For. 0 (the default): believe only
# REMOTE_ADDR, because anyone can send an X-Forwarded-For header. Used for the audit log's
# source_ip and for django-axes' lockouts (accounts.request_ip.client_ip).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperSetting(f"TRUSTED_PROXY_COUNT={TRUSTED_PROXY_COUNT} must be 0 or more")

# Lockout after repeated failed logins (django-axes): the same username from the same address is
# refused for 15 minutes after AXES_FAILURE_LIMIT failures. Locking by the pair, not by username
# alone, keeps an attacker from locking a colleague out from elsewhere; not by address alone,
# because a whole NHS site can share one address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
if AXES_FAILURE_LIMIT < 1:
    raise ImproperSetting(f"AXES_FAILURE_LIMIT={AXES_FAILURE_LIMIT} must be 1 or more")
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# The lock lifts 15 minutes after it started, as the lockout page says; retrying does not extend it.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_CLIENT_IP_CALLABLE = "accounts.request_ip.client_ip"
# Our own audit log (accounts.AuditEvent) records every login; axes keeps only its failure counts.
AXES_DISABLE_ACCESS_LOG = True

# Two-factor authentication (django-otp, TOTP apps). When required, every signed-in person must
# pass a code from an authenticator app, enrolling one first if they have none. When not required
# (the demo and the tests), anyone who has enrolled anyway is still asked for a code.
REQUIRE_TWO_FACTOR = env_bool("REQUIRE_TWO_FACTOR", PRODUCTION)
OTP_TOTP_ISSUER = "Community mental health referrals"

# Idle timeout: the session ends after this many minutes without a request (each request
# renews it), and when the browser closes. Shared computers are common on wards and in clinics.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperSetting(f"SESSION_IDLE_MINUTES={SESSION_IDLE_MINUTES} must be 1 or more")
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# Sessions are written through the cache to the database (Django's cached_db, in ops.sessions):
# read from Redis, kept in PostgreSQL, so a Redis restart or flush logs nobody out (issue 11). A
# page view that only slides the expiry renews the cache and rewrites the database row at most
# once a minute. The beat task clear-expired-sessions removes old rows.
SESSION_ENGINE = "ops.sessions"
SESSION_COOKIE_HTTPONLY = True
# The pages send the CSRF token from the template (hx-headers on <body>); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content Security Policy (django-csp 4): our own files only, no inline script or style, the
# NHS.UK web fonts from assets.nhs.uk, and never inside a frame.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF, "https://assets.nhs.uk"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- I18N / time ------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"  # shown to people; everything is stored in UTC
USE_I18N = True
USE_TZ = True
# Nothing the service records (a referral received, a contact, a stay) happened before this UK
# date: an earlier time is a typing slip, and a year like 785 has no valid UK offset to show.
EARLIEST_RECORD_DATE = date.fromisoformat(env_str("EARLIEST_RECORD_DATE", "2000-01-01"))

# --- Static -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Our own CSS and JS, and the front-end packages that `npm ci` (make venv) puts in node_modules/
# (pinned in package.json; never committed). Prefixes give /static/nhsuk/... and /static/htmx/...
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("nhsuk", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
    ("htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# --- API --------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens are issued by an administrator to a system (drf_create_token), not typed by a
        # person, so they skip the browser's second factor; a browser session counts only once
        # it has passed two-factor, where that is due (accounts.api_auth).
        "accounts.api_auth.TokenAuthentication",
        "accounts.api_auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # OPTIONS names the endpoint and points at the schema; it never builds a serializer (config/api_metadata.py).
    "DEFAULT_METADATA_CLASS": "config.api_metadata.EndpointMetadata",
    "EXCEPTION_HANDLER": "referrals.api.errors.exception_handler",
    # Per user, counted in Redis; 429 with Retry-After (issue 10). The person search reaches
    # beyond the user's own access, so it has its own, much lower, rate (pages and API).
    "DEFAULT_THROTTLE_CLASSES": ["accounts.throttles.ApiThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "api": env_str("API_RATE", "600/minute"),
        "person_search": env_str("PERSON_SEARCH_RATE", "60/hour"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Community mental health referrals API",
    "DESCRIPTION": "Referral intake, contacts, clocks and breach alerts.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # One name for each choice set that two fields called "reason" use (discharge, closure).
    "ENUM_NAME_OVERRIDES": {
        "DischargeReasonEnum": "referrals.models.Referral.DischargeReason",
        "ClosureReasonEnum": "referrals.models.Referral.ClosureReason",
    },
    # Swagger UI from drf-spectacular-sidecar's copy in our static files, not a CDN; its page
    # (config/urls.py) loads its script from a file too, so the strict policy holds there.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No badge fetched from the public swagger.io validator.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

# --- Security (production) -------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
