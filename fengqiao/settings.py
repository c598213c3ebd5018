"""Settings for fengqiao, read from the environment.

Every value that differs between a clerk's demo laptop, CI and a province's servers comes
from a ``FENGQIAO_*`` environment variable through the typed helpers below. A helper fails
loudly (``ImproperlyConfigured``) when a value is malformed, never silently falls back.

``FENGQIAO_ENV`` is ``development`` (the default: ``make run`` and the tests) or
``production``. Production refuses to start without a real secret key and allowed hosts, and
turns on the HTTPS-only settings that ``manage.py check --deploy`` asks for.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str | None = None) -> str:
    """A string from the environment; missing without a default is a configuration error."""
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ImproperlyConfigured(f"环境变量 {name} 未设置 (environment variable {name} is required)")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    """A boolean: 1/true/yes/on or 0/false/no/off; anything else is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    """An integer; a malformed value is an error."""
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    """A comma-separated list."""
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_secret(name: str, *, default: str | None = None) -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (for container secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        path = Path(file_name)
        if not path.is_file():
            raise ImproperlyConfigured(f"{name}_FILE points to {file_name}, which is not a file")
        secret = path.read_text(encoding="utf-8").strip()
        if not secret:
            raise ImproperlyConfigured(f"{name}_FILE ({file_name}) is empty")
        return secret
    return env_str(name, default)


ENVIRONMENT = env_str("FENGQIAO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("FENGQIAO_ENV must be 'development' or 'production'")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("FENGQIAO_DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("FENGQIAO_DEBUG cannot be on when FENGQIAO_ENV=production")

# A development key is allowed only outside production; production must supply its own.
SECRET_KEY = env_secret(
    "FENGQIAO_SECRET_KEY",
    default=None if PRODUCTION else "dev-only-insecure-key-change-me-fengqiao-0000000000000000",
)

ALLOWED_HOSTS = env_list("FENGQIAO_ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("FENGQIAO_ALLOWED_HOSTS is required in production")
CSRF_TRUSTED_ORIGINS = env_list("FENGQIAO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # the admin whose door is the administrator role (fengqiao.core.admin_site)
    "fengqiao.core.admin_site.FengqiaoAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_q",
    # Sign-in hardening (issue 13 §4, docs/security.md): lockout, second factor, CSP.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "fengqiao.core",
    "fengqiao.org",
    "fengqiao.cases",
    "fengqiao.handling",
    "fengqiao.meetings",
    "fengqiao.referrals",
    "fengqiao.followup",
    "fengqiao.archive",
    "fengqiao.analytics",
    "fengqiao.documents",
    "fengqiao.integrations",
    "fengqiao.audit",
    "fengqiao.releases",
    # 线上枫桥: the payer's own pages under /payer/ (issue 14, docs/portal.md)
    "fengqiao.portal",
    # 网络舆情: the 网信办's online items and their response (issue 15, docs/opinion.md)
    "fengqiao.opinion",
    # 责任追究: accountability records, proposals and their decision (issue 15, docs/accountability.md)
    "fengqiao.accountability",
    # the offline proof-of-work challenge on online filing: widget served from our static files
    "altcha_django",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # CSP and the other security headers on every answer, static files included (docs/security.md).
    "csp.middleware.CSPMiddleware",
    "fengqiao.core.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # zh-hans whatever the browser asks; only a language the user chose overrides it.
    "fengqiao.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # 五(三) the audit trail: a record written in a service knows the request's client address.
    "fengqiao.audit.trail.AuditRequestMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle and absolute session timeout, then the second factor before any page (fengqiao.core.signin).
    "fengqiao.core.signin.SessionTimeoutMiddleware",
    "fengqiao.core.signin.SecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # 四(七): a write on a sealed case gets the archive's message first (fengqiao.cases.middleware).
    "fengqiao.cases.middleware.SealedCaseMiddleware",
    # django-axes: turns a locked-out sign-in into the login page that says until when (last).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "fengqiao.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "fengqiao" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fengqiao.core.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "fengqiao.wsgi.application"

# --- Data -------------------------------------------------------------------------------
VAR_DIR = Path(env_str("FENGQIAO_VAR_DIR", str(BASE_DIR / "var")))
DATABASE_URL = env_str("FENGQIAO_DATABASE_URL", f"sqlite:///{VAR_DIR / 'fengqiao.sqlite3'}")
# Persistent connections (60 s by default; 0 opens one per request): a new PostgreSQL
# connection per request cost 20-25 % of the intake rate (issue 12). The health check replaces
# a connection the server dropped before the request uses it.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("FENGQIAO_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's SQLite backend plus the statistics upkeep SQLite recommends: PRAGMA optimize
    # when a connection opens (below) and when it closes (fengqiao.core.sqlite).
    DATABASES["default"]["ENGINE"] = "fengqiao.core.sqlite"
    # WAL lets the web server and the job worker read while the other writes; IMMEDIATE
    # transactions take the write lock up front so two writers queue instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=20000;"
            " PRAGMA optimize=0x10002;"
        ),
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

# Beyond one machine (docs/deployment.md). Behind PgBouncer in transaction mode a connection
# is another client's between two transactions: server-side cursors (QuerySet.iterator on
# PostgreSQL) and psycopg's automatically prepared statements would not survive, so both are off.
DB_TRANSACTION_POOLER = env_bool("FENGQIAO_DB_TRANSACTION_POOLER", False)


def pooler_adapt(database: dj_database_url.DBConfig) -> None:
    """Fit a database to PgBouncer's transaction mode when FENGQIAO_DB_TRANSACTION_POOLER is on."""
    if DB_TRANSACTION_POOLER:
        database["DISABLE_SERVER_SIDE_CURSORS"] = True
        if "postgresql" in database["ENGINE"]:
            database.setdefault("OPTIONS", {})["prepare_threshold"] = None


pooler_adapt(DATABASES["default"])


# PostgreSQL's JIT compiles a query whose estimated cost passes jit_above_cost: a to-do source
# with correlated subqueries over a county's open cases passed it and compiled 133 functions,
# 6.2 s for a read that takes 0.2 s without (issue 12 §2, 1,000,000 cases). Off for the web's
# short queries. PgBouncer refuses the startup option: there, ALTER DATABASE … SET jit = off.
def jit_off(database: dj_database_url.DBConfig) -> None:
    if "postgresql" in database["ENGINE"] and not DB_TRANSACTION_POOLER:
        options = database.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()  # beside an operator's own


jit_off(DATABASES["default"])
# A read replica for the analysis: fengqiao.core.db_routers sends the reads made inside
# ``read_replica()`` there; everything else, and every write, goes to "default".
ANALYTICS_DATABASE_URL = env_str("FENGQIAO_ANALYTICS_DATABASE_URL", "")
if ANALYTICS_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(
        ANALYTICS_DATABASE_URL,
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    pooler_adapt(DATABASES["replica"])
    jit_off(DATABASES["replica"])
    # The tests read the replica from the test database itself, as streaming replication would.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["fengqiao.core.db_routers.ReadReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "org.Staff"
# Model permissions come from roles (org.permissions), not from permission rows.
AUTHENTICATION_BACKENDS = [
    # django-axes first: refuses a locked-out username+address before the password is tried.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "fengqiao.org.backends.RoleBackend",
]

# Stronger than Django's defaults (docs/security.md): 12 characters, three of four character
# classes, not the username, not a common password, not one of the last 5 (fengqiao.core.passwords).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "fengqiao.core.passwords.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "fengqiao.core.passwords.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "fengqiao.core.passwords.NotUsernameValidator"},
    {"NAME": "fengqiao.core.passwords.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "fengqiao" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# Dates are typed as YYYY-MM-DD or 年月日 (Django's zh-hans 年月日 input format does not parse).
FORMAT_MODULE_PATH = ["fengqiao.formats"]

# --- Static and media -------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "fengqiao" / "static"]
# WhiteNoise serves what ``collectstatic`` put in STATIC_ROOT. Production and ``make run``
# (scripts/run.sh sets both variables after collecting) serve the collected files with hashed
# names, compressed copies and far-future cache headers; ``make dev`` and the tests serve
# straight from the apps' folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = env_bool("FENGQIAO_STATIC_FINDERS", not PRODUCTION)
WHITENOISE_AUTOREFRESH = DEBUG
STATIC_MANIFEST = env_bool("FENGQIAO_STATIC_MANIFEST", PRODUCTION)


def file_storage() -> dict[str, object]:
    """Where attachments, documents and archives are kept: by default FENGQIAO_VAR_DIR/files,
    outside the web root and served only through views that check who may see the case.

    ``FENGQIAO_FILE_STORAGE`` replaces it with any Django storage as JSON
    ``{"BACKEND": "dotted.path", "OPTIONS": {…}}`` — for an S3-compatible store
    ``storages.backends.s3.S3Storage`` of django-storages, which a deployment installs itself
    (docs/deployment.md: it is not in this project's lock)."""
    raw = os.environ.get("FENGQIAO_FILE_STORAGE", "").strip()
    if not raw:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(VAR_DIR / "files")},
        }
    try:
        storage = json.loads(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"FENGQIAO_FILE_STORAGE is not valid JSON: {exc}") from exc
    if not isinstance(storage, dict) or not isinstance(storage.get("BACKEND"), str):
        raise ImproperlyConfigured('FENGQIAO_FILE_STORAGE must be {"BACKEND": "dotted.path", "OPTIONS": {...}}')
    unknown = set(storage) - {"BACKEND", "OPTIONS"}
    if unknown:
        raise ImproperlyConfigured(f"FENGQIAO_FILE_STORAGE has unknown keys: {', '.join(sorted(unknown))}")
    if not isinstance(storage.get("OPTIONS", {}), dict):
        raise ImproperlyConfigured("FENGQIAO_FILE_STORAGE: OPTIONS must be an object")
    return storage


def encrypted_file_storage() -> dict[str, object]:
    """The configured store, wrapped so every file in it is SM4-GCM encrypted at rest
    (fengqiao.core.storage, 五(三))."""
    store = file_storage()
    options = store.get("OPTIONS") or {}
    assert isinstance(options, dict)
    return {
        "BACKEND": "fengqiao.core.storage.EncryptedStorage",
        "OPTIONS": {"backend": store["BACKEND"], **options},
    }


STORAGES = {
    "default": encrypted_file_storage(),
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if STATIC_MANIFEST
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Cases ------------------------------------------------------------------------------
FENGQIAO_ATTACHMENT_MAX_BYTES = env_int("FENGQIAO_ATTACHMENT_MAX_MB", 20) * 1024 * 1024
# How far back intake looks for other cases of the same payer (疑似重复), in days.
FENGQIAO_DUPLICATE_WINDOW_DAYS = env_int("FENGQIAO_DUPLICATE_WINDOW_DAYS", 180)
# 责任追究 (五(四), docs/accountability.md): a department escalated (督办升级) this many times in one
# month is proposed for an accountability record.
FENGQIAO_ACCOUNTABILITY_ESCALATIONS = env_int("FENGQIAO_ACCOUNTABILITY_ESCALATIONS", 3)
# The first day a dispute can have been received (YYYY-MM-DD): the mechanism's notice,
# 奈政字〔2024〕123号 of 2024-09-11, unless the county adopted it later (fengqiao.core.dates).
FENGQIAO_MECHANISM_START = env_str("FENGQIAO_MECHANISM_START", "2024-09-11")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Backup -----------------------------------------------------------------------------
# The daily backup (fengqiao.core.backup, docs/backup.md) writes one folder per run here and
# keeps the newest FENGQIAO_BACKUP_KEEP; unset, nothing is scheduled (manage.py backup_create
# still works by hand).
FENGQIAO_BACKUP_DIR = env_str("FENGQIAO_BACKUP_DIR", "")
FENGQIAO_BACKUP_KEEP = env_int("FENGQIAO_BACKUP_KEEP", 14)

# --- Audit trail ------------------------------------------------------------------------
# Days audit records are kept at least before manage.py audit_purge may remove them; never
# below 183 (网络安全法 第二十一条: six months), whatever is set (fengqiao.audit.retention).
FENGQIAO_AUDIT_KEEP_DAYS = env_int("FENGQIAO_AUDIT_KEEP_DAYS", 365)

# --- Security ---------------------------------------------------------------------------
HTTPS = env_bool("FENGQIAO_HTTPS", PRODUCTION)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("FENGQIAO_SESSION_SECONDS", 8 * 3600)
# Signed out after this long without a request (0: no idle limit), and FENGQIAO_SESSION_SECONDS
# after signing in whatever happens (fengqiao.core.signin.SessionTimeoutMiddleware).
FENGQIAO_SESSION_IDLE_SECONDS = env_int("FENGQIAO_SESSION_IDLE_SECONDS", 30 * 60)
# The client's address for lockout and throttles: REMOTE_ADDR, or the header the reverse proxy
# sets (deploy/nginx.conf sets X-Real-IP; gunicorn behind it sees 127.0.0.1). Never a header a
# client can send straight to the application server.
FENGQIAO_CLIENT_IP_HEADER = env_str("FENGQIAO_CLIENT_IP_HEADER", "X-Real-IP" if PRODUCTION else "REMOTE_ADDR")

# django-axes: FENGQIAO_LOGIN_FAILURE_LIMIT wrong passwords for one username from one address
# lock that pair for FENGQIAO_LOGIN_COOLOFF_MINUTES (a failure while locked starts it again);
# the administrator unlocks in /admin/ (访问尝试). The audit trail records the sign-ins itself.
AXES_FAILURE_LIMIT = env_int("FENGQIAO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("FENGQIAO_LOGIN_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "fengqiao.core.signin.lockout_response"
AXES_CLIENT_IP_CALLABLE = "fengqiao.core.signin.client_ip"

# Second factor (django-otp, TOTP): optional for everyone; required for the roles that may
# reveal personal data and the administrator when FENGQIAO_OTP_REQUIRED is on — by default in
# production, off in development and the demo.
FENGQIAO_OTP_REQUIRED = env_bool("FENGQIAO_OTP_REQUIRED", PRODUCTION)
OTP_TOTP_ISSUER = "枫桥"
# The administrator resets a lost device but never reads its secret: django-otp's admin then
# shows no key, configuration URL or QR code (a seed the administrator saw is no second factor).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# API tokens expire FENGQIAO_TOKEN_DAYS after they were made; FENGQIAO_TOKEN_FAILURE_LIMIT
# unknown tokens from one address within FENGQIAO_TOKEN_FAILURE_WINDOW seconds get 429.
FENGQIAO_TOKEN_DAYS = env_int("FENGQIAO_TOKEN_DAYS", 90)
FENGQIAO_TOKEN_FAILURE_LIMIT = env_int("FENGQIAO_TOKEN_FAILURE_LIMIT", 20)
FENGQIAO_TOKEN_FAILURE_WINDOW = env_int("FENGQIAO_TOKEN_FAILURE_WINDOW", 600)

# Content-Security-Policy (django-csp 4): nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("FENGQIAO_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("FENGQIAO_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# --- The payer's own pages (线上枫桥, docs/portal.md) ---------------------------------------
# Rate limits (django-ratelimit, counted in the shared cache) per client address and per case
# number; over a limit the page answers 429 whatever the number.
FENGQIAO_PORTAL_RATES = {
    "file_ip": env_str("FENGQIAO_PORTAL_FILE_RATE", "10/h"),
    "lookup_ip": env_str("FENGQIAO_PORTAL_LOOKUP_RATE", "30/h"),
    "lookup_number": env_str("FENGQIAO_PORTAL_LOOKUP_NUMBER_RATE", "20/h"),
    "sms_ip": env_str("FENGQIAO_PORTAL_SMS_RATE", "10/h"),
    "sms_number": env_str("FENGQIAO_PORTAL_SMS_NUMBER_RATE", "5/h"),
}
RATELIMIT_USE_CACHE = "default"
# The one-time SMS code: valid this long; this many wrong codes or query codes for one case
# number within FENGQIAO_PORTAL_LOCK_MINUTES lock that number for as long.
FENGQIAO_PORTAL_SMS_CODE_SECONDS = env_int("FENGQIAO_PORTAL_SMS_CODE_SECONDS", 600)
FENGQIAO_PORTAL_LOCK_FAILURES = env_int("FENGQIAO_PORTAL_LOCK_FAILURES", 5)
FENGQIAO_PORTAL_LOCK_MINUTES = env_int("FENGQIAO_PORTAL_LOCK_MINUTES", 30)
# The payer pages' address as printed on the 受理告知书 ("…在 https://…/payer/ “线上枫桥”查询"); blank:
# the notice says "本机关网站".
FENGQIAO_PORTAL_URL = env_str("FENGQIAO_PORTAL_URL", "")
# The county whose payers file on these pages (its region code); blank: every county of the
# installation, the payer choosing one when there are several (fengqiao.portal.views.portal_county).
FENGQIAO_PORTAL_COUNTY = env_str("FENGQIAO_PORTAL_COUNTY", "")
# ALTCHA proof of work on filing (altcha-django): the challenge is signed and verified here,
# replays are refused through the shared cache; nothing goes to a third party.
ALTCHA_HMAC_SECRET = (
    env_str("FENGQIAO_ALTCHA_SECRET", "") or hashlib.sha256(("altcha:" + (SECRET_KEY or "")).encode()).hexdigest()
)
ALTCHA_WIDGET_CHALLENGE_MODE = "inline"
ALTCHA_CHALLENGE_ENDPOINT_ENABLED = False
ALTCHA_WIDGET_JS_SOURCE = "vendored"
# The widget's own translations (我不是机器人 …), served from our static files like the widget.
ALTCHA_WIDGET_I18N = True
# Without Redis the shared cache is files, whose add() may let two simultaneous submits of one
# solved challenge both pass; the filing's one-time submission key still files them once and
# the rate limits count both (docs/portal.md "Abuse"). With Redis the check does not arise.
SILENCED_SYSTEM_CHECKS = [] if env_str("FENGQIAO_REDIS_URL", "") else ["altcha.W017"]

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Tokens expire, and unknown ones are counted per address (fengqiao.core.tokens).
        "fengqiao.core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "fengqiao.core.paging.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "fengqiao.core.api.exception_handler",
    # JSON with a nesting limit and no lone surrogates: a 400 naming the field, never a 500
    # (fengqiao.core.parsers, issue 13 §5).
    "DEFAULT_PARSER_CLASSES": [
        "fengqiao.core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # A generous rate per member of staff (a runaway script, not a busy day); the payer's
    # public pages use the "public" scope per address (fengqiao.core.throttles, docs/security.md).
    "DEFAULT_THROTTLE_CLASSES": ["fengqiao.core.throttles.StaffRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env_str("FENGQIAO_API_RATE", "3000/hour"),
        "public": env_str("FENGQIAO_PUBLIC_RATE", "30/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "fengqiao API",
    "DESCRIPTION": "社会保险费征缴争议联合处置 — REST API for the 12345 platform and tax systems.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation documents the error answers it can give in the one shape (issue 13 §5).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "fengqiao.core.schema.errors_documented",
    ],
    # One name for one choice set used by several fields (处理结论 in the decision and mediation APIs).
    "ENUM_NAME_OVERRIDES": {"DecisionResultEnum": "fengqiao.handling.models.DecisionResult"},
}

# --- Background jobs --------------------------------------------------------------------
# django-q2. On one machine the queue is the database itself (the ORM broker): no extra
# service to install. Several web and job machines share one Redis instead
# (FENGQIAO_REDIS_URL=redis://host:6379/0): the queue moves there, schedules and results stay
# in the database. A cluster is five processes — the qcluster command, its sentinel (which
# also runs the schedules), the pusher (takes tasks off the queue), the monitor (saves the
# results) and FENGQIAO_JOB_WORKERS workers.
REDIS_URL = env_str("FENGQIAO_REDIS_URL", "")
Q_CLUSTER: dict[str, object] = {
    "name": "fengqiao",
    "workers": env_int("FENGQIAO_JOB_WORKERS", 1),
    "timeout": 600,
    "retry": 900,
    "max_attempts": 3,
    "catch_up": False,
    "poll": 2,
    "label": "后台任务",
    # A worker whose peak memory passed this (in KB) is replaced by a fresh one after the
    # task in hand: a monthly report's PDF (WeasyPrint, fonts) is not carried until the next.
    "max_rss": env_int("FENGQIAO_JOB_MAX_RSS_MB", 150) * 1024,
    # … and after this many tasks whatever its size.
    "recycle": 200,
    # Successful results kept (failures are all kept, for the admin).
    "save_limit": 250,
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# The cache every web worker shares — the API throttles and failed-token counts must be one
# count across gunicorn's processes: Redis beside the queue, else files under FENGQIAO_VAR_DIR
# (every process of the machine sees them; no table to create).
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
    )
}

# The outbox (fengqiao.integrations): webhooks to the 12345 platform, SMS and e-mail notices.
# A failed delivery is retried after 1, 2, 4 … minutes (at most an hour apart) and given up
# (status "failed", retried by hand in the admin) after OUTBOX_MAX_ATTEMPTS tries.
OUTBOX_MAX_ATTEMPTS = env_int("FENGQIAO_OUTBOX_MAX_ATTEMPTS", 10)
OUTBOX_TIMEOUT_SECONDS = env_int("FENGQIAO_OUTBOX_TIMEOUT", 10)

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("FENGQIAO_LOG_LEVEL", "INFO")},
    # WeasyPrint reports every layout step at INFO; fontTools every subsetting step.
    "loggers": {
        "django_q": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
