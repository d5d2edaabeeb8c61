"""ReviewDesk settings: everything that differs between machines comes from the environment.

Development defaults are safe and need nothing: a SQLite file under ``var/``, DEBUG on, the
django-q2 ORM broker on the default database. Production sets ``DJANGO_ENV=production`` (or
``DEBUG=0``) plus ``SECRET_KEY``, ``ALLOWED_HOSTS`` and ``DATABASE_URL``; see the README.
"""

import datetime as dt
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEV_SECRET = "dev-only-insecure-key-do-not-use-in-production-reviewdesk-0000000000"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
if PRODUCTION and not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set in production (DJANGO_ENV=production).")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

VAR_DIR = Path(env.str("REVIEWDESK_VAR_DIR", default=str(BASE_DIR / "var")))
# The SQLite file, uploads and staged imports live here. Importing the settings creates no folder: the
# SQLite file's is made when the project starts (reviewdesk.apps), the others by whatever writes there.

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "import_export",
    "simple_history",
    "django_htmx",
    "django_q",
    "axes",
    "csp",
    # ReviewDesk, lowest layer first: reviewdesk (users, shops, roles) <- policies <- cases <- training,
    # incentives. Nothing imports upward; see docs/conventions.md.
    "reviewdesk",
    "jobs",
    "policies",
    "cases",
    "training",
    "incentives",
    "insights",
    "connectors",
    "workorders",
    "outreach",
    "knowledge",
    "prevention",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Before anything reads the body or query: a charset that is no text encoding answers 400, not 500.
    "reviewdesk.middleware.RequestCharsetMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A logged-in person's pages in the language stored on their user (reviewdesk.language).
    "reviewdesk.language.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "reviewdesk.urls"
WSGI_APPLICATION = "reviewdesk.wsgi.application"
ASGI_APPLICATION = "reviewdesk.asgi.application"

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
                "reviewdesk.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'reviewdesk.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the qcluster read while the other writes; the timeout rides out
    # short write locks instead of failing with "database is locked"; IMMEDIATE transactions take the
    # write lock up front, so two qcluster workers never deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["TEST"] = {"NAME": env.str("SQLITE_TEST_NAME", default="") or None}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "reviewdesk.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes checks every login (the login page, the admin's) before the password is even looked at.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "reviewdesk.backends.ModelBackendOneQuery",  # ModelBackend, its permissions in one query
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login lockout (django-axes) -----------------------------------------------------------------
# Either parameter alone locks: a username that failed LOGIN_FAILURE_LIMIT times (from however many
# addresses) and an address that failed that often (whatever usernames it tried) are refused for
# LOGIN_COOLOFF_MINUTES, even with the right password. The pair [["username", "ip_address"]] would let
# a botnet guess one password from many addresses, and an address spray many usernames. A failure
# during the lockout restarts it; a success does not clear the counters (a known account logging in
# from the attacker's address must not wipe the address's record). Managers unlock in the admin
# (Axes › Access attempts: delete the row). API tokens are not counted here: they are 256-bit random keys, stored
# hashed, so guessing one is hopeless, while counting failures per address would let anyone behind a
# shop's office NAT lock that shop's sync job out; a bad token is answered 401 every time.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = False
# The client address. With no trusted proxy (the default) only REMOTE_ADDR counts, so a forged
# X-Forwarded-For changes nothing. Behind TRUSTED_PROXY_COUNT proxies that each append the address
# they were connected from (nginx's $proxy_add_x_forwarded_for), the client is the N-th entry from
# the right of X-Forwarded-For (with one proxy: the right-most, the one that proxy wrote; everything
# left of it came from the client). django-ipware counts the proxies listed *in* the header, one
# fewer than the proxies in front of Django, hence N - 1. A request that reached Django without the
# header (a health check on the inner network) falls back to REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT > 0:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT - 1
    AXES_IPWARE_PROXY_ORDER = "left-most"
    # Not strict: ipware's strict mode rejects a header with more entries than proxies, i.e. any the
    # client pre-filled, and falls back to the proxy's own address, which would let one client's
    # forged header count its failures against everyone behind the proxy.
    IPWARE_STRICT = False
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)
    AXES_IPWARE_PROXY_COUNT = None

# --- Cookies -------------------------------------------------------------------------------------
# Lax, not Strict: a link from a notification e-mail or a Feishu/DingTalk robot must open the case
# logged in. The CSRF cookie stays readable by scripts (Swagger UI's "Try it out" sends it as a
# header; Django's docs note HttpOnly on it protects nothing), the session cookie never is.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Content Security Policy (django-csp), enforced in every environment ------------------------
# Scripts and styles come from our own origin (static files, WhiteNoise) or carry the response's
# nonce (``nonce="{{ request.csp_nonce }}"``); no inline event handlers, no eval. Images may be
# data: URIs (Swagger UI's and the admin's icons). Nothing may frame a page (clickjacking).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"  # for browsers that predate frame-ancestors

# --- Language and time: Chinese first, Asia/Shanghai -------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Evidence and imported files are private: served only through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-public/"
# Largest evidence file accepted (images, recordings, chat exports), in bytes.
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=20 * 1024 * 1024)

# Credentials users enter (robot URLs and secrets) are encrypted with these Fernet keys (reviewdesk.crypto):
# the first encrypts, all decrypt. Unset: a key derived from SECRET_KEY (set your own in production).
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])

# --- Email and outgoing webhooks ---------------------------------------------------------------
# The site's public address: every link in an e-mail or a Feishu/DingTalk message is absolute on it,
# since a chat app opens no relative link. In production the https address users reach: by default the
# first of ALLOWED_HOSTS unless it is a pattern (reviewdesk.checks refuses a SITE_URL that is no absolute
# address, and check --deploy warns when it is not https).
_SITE_HOST = next((h for h in ALLOWED_HOSTS if "*" not in h and not h.startswith(".")), "")
_SITE_DEFAULT = (f"https://{_SITE_HOST}" if _SITE_HOST else "") if PRODUCTION else "http://127.0.0.1:8000"
SITE_URL = env.str("SITE_URL", default=_SITE_DEFAULT).rstrip("/")
# Survey links buyers answer (training.surveys): valid this many days; one reminder this many hours after
# the link was given if it is still unanswered.
SURVEY_LINK_DAYS = env.int("SURVEY_LINK_DAYS", default=7)
SURVEY_REMINDER_AFTER_HOURS = env.int("SURVEY_REMINDER_AFTER_HOURS", default=48)
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="reviewdesk@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Shared secret for inbound webhooks (shops' sync jobs); outgoing robot secrets live per shop.
WEBHOOK_SECRET = env.str("WEBHOOK_SECRET", default="" if PRODUCTION else "dev-webhook-secret")
# Every outbound HTTP call (robots, later SMS and platform APIs) goes through reviewdesk.outbound,
# which refuses loopback, private, link-local and metadata addresses after resolving the host.
# OUTBOUND_ALLOWED_HOSTS lists the exceptions on purpose (host names, IPs or networks, e.g.
# "127.0.0.1" for a robot stand-in in development); empty by default. Production allows https only.
OUTBOUND_ALLOWED_HOSTS = env.list("OUTBOUND_ALLOWED_HOSTS", default=[])
OUTBOUND_REQUIRE_HTTPS = env.bool("OUTBOUND_REQUIRE_HTTPS", default=PRODUCTION)
OUTBOUND_MAX_RESPONSE_BYTES = env.int("OUTBOUND_MAX_RESPONSE_BYTES", default=64 * 1024)
NOTIFY_HTTP_TIMEOUT = env.float("NOTIFY_HTTP_TIMEOUT", default=5.0)  # seconds, to connect and per read
# A notification (e-mail, robot message) is tried this often, with backoff, before it is marked failed.
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)
# More new cases than this for one shop in one import → one digest alert instead of one per case.
ALERT_DIGEST_THRESHOLD = env.int("ALERT_DIGEST_THRESHOLD", default=20)

# --- Intake guards -----------------------------------------------------------------------------
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=200_000)
# An XLSX is a zip: refuse archives whose members inflate beyond this, before parsing.
IMPORT_MAX_UNCOMPRESSED_BYTES = env.int("IMPORT_MAX_UNCOMPRESSED_BYTES", default=500 * 1024 * 1024)
IMPORT_MAX_COMPRESSION_RATIO = env.int("IMPORT_MAX_COMPRESSION_RATIO", default=200)
# openpyxl (the policy pack, training scores) allocates the rectangle from A1 to a sheet's furthest cell,
# and even the streaming intake pads a row to its furthest cell, so the declared and the real extent of
# every sheet are checked first (reviewdesk.workbooks): rows up to IMPORT_MAX_ROWS (plus a few header
# lines), columns and the rectangle's cells below these (200,000 rows x 30 columns).
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=256)
IMPORT_MAX_CELLS = env.int("IMPORT_MAX_CELLS", default=6_000_000)
# An XLSX sheet whose native copy is estimated at most this many MB is read whole by python-calamine
# (about a third of the streaming reader's CPU); a larger one streams in flat memory. 160 takes a
# 100,000-row export (129 MB estimated); the 200,000-row maximum, and any workbook with shared strings
# (whose declared size calamine trusts), streams. 0 streams every sheet.
IMPORT_WHOLE_SHEET_MB = env.int("IMPORT_WHOLE_SHEET_MB", default=160)
# A file staged for the upload page's preview is deleted when confirmed or cancelled, and by the hourly
# cleanup once it is older than this (the confirm link itself expires after an hour).
IMPORT_STAGING_MAX_AGE_HOURS = env.int("IMPORT_STAGING_MAX_AGE_HOURS", default=24)

# --- Jobs (the jobs app): long work run by django-q2 outside the request --------------------------
# A finished job's result (its file too) is kept this many days, then deleted by the jobs sweep.
JOB_RESULT_DAYS = env.int("JOB_RESULT_DAYS", default=7)
# A running job that has not reported for this long is failed by the sweep (its worker was killed).
# Longer than Q_TIMEOUT, after which django-q2 kills a task anyway.
JOB_STALE_MINUTES = env.int("JOB_STALE_MINUTES", default=10)
# An upload up to this size (about 5,000 rows: well under two seconds) is previewed and imported within the
# request, through the same job runner; a larger one is queued and followed on its job's page.
JOB_INLINE_MAX_BYTES = env.int("JOB_INLINE_MAX_BYTES", default=1024 * 1024)

# --- REST API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Request rates (reviewdesk/throttling.py): beyond them the API answers 429 with Retry-After. Per
    # token, per session user, per address for anonymous requests, and per address for login POSTs.
    "DEFAULT_THROTTLE_CLASSES": [
        "reviewdesk.throttling.TokenRateThrottle",
        "reviewdesk.throttling.UserRateThrottle",
        "reviewdesk.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("API_RATE_TOKEN", default="120/min"),
        "user": env.str("API_RATE_USER", default="120/min"),
        "anon": env.str("API_RATE_ANON", default="30/min"),
        "login": env.str("LOGIN_RATE", default="60/min"),
        "survey": env.str("SURVEY_RATE", default="10/min"),  # survey answers per address (training.surveys)
    },
    # The client address of the rates: as the login lockout's (TRUSTED_PROXY_COUNT, see above).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# The OpenAPI document and Swagger UI need a login (any user); True publishes them on purpose.
API_DOCS_PUBLIC = env.bool("API_DOCS_PUBLIC", default=False)
# A receiver of an event that fails (reviewdesk.signals.RobustSignal.send_robust) is logged and the others
# still run; True raises it instead: the tests set it, so a broken listener fails its test.
HOOKS_RAISE = env.bool("HOOKS_RAISE", default=False)

# --- Cache: the throttles' counters ----------------------------------------------------------------
# Redis when CACHE_URL (or REDIS_URL, the django-q2 broker's) is set, so every web worker and machine
# counts together; local memory otherwise (development, tests: one counter per process).
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_URL", default="")
if _CACHE_URL:
    _CACHE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _CACHE_URL}
else:
    _CACHE = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {
    "default": {**_CACHE, "KEY_PREFIX": "reviewdesk", "LOCATION": _CACHE.get("LOCATION", "reviewdesk")},
    "throttle": {
        **_CACHE,
        "KEY_PREFIX": "reviewdesk-throttle",
        "LOCATION": _CACHE.get("LOCATION", "throttle"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ReviewDesk API",
    "DESCRIPTION": "中差评工作台 REST API",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseStatusEnum": "cases.choices.CaseStatus",
        "RowStatusEnum": "cases.choices.RowStatus",
        "WorkflowActionEnum": "cases.choices.WorkflowAction",
    },
}

# --- django-q2: the ORM broker on the default database unless Redis is configured -----------
Q_CLUSTER = {
    "name": "reviewdesk",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": env.int("Q_TIMEOUT", default=300),
    "retry": env.int("Q_RETRY", default=360),
    "max_attempts": env.int("Q_MAX_ATTEMPTS", default=5),
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "label": "Django Q2",
    "poll": 0.5,
}
if env.str("REDIS_URL", default=""):
    Q_CLUSTER["redis"] = env.str("REDIS_URL")
else:
    Q_CLUSTER["orm"] = "default"
Q_CLUSTER["sync"] = env.bool("Q_SYNC", default=False)

# --- Logging: buyer personal data never belongs in a log line --------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- Production hardening (check --deploy clean) --------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
