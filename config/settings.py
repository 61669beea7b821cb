"""Settings, all from the environment (names are fixed: other tools rely on them).

See .env.example for every variable with a comment. DEBUG defaults to off; without debug a
missing DJANGO_SECRET_KEY fails at start-up.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "0") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


DEBUG = envbool("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off")
    SECRET_KEY = "dev-only-insecure-key-set-DJANGO_SECRET_KEY-in-production"

ALLOWED_HOSTS = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]").split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "teams",
    # Bottom to top: each app imports only the ones above it in this list (docs/architecture.md).
    "pricing",
    "selector",
    "wizard",
    "alerts",
    "launch",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.DatabaseUnavailableMiddleware",
    # HTML pages compressed on the wire (see the class for why the API is not).
    "config.middleware.PageGZipMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    # Before any view work: a locked-out log-in costs a cache read, not a password hash.
    "config.ratelimit.LoginRateLimitMiddleware",
    "config.ratelimit.PageRateLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=envint("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default serves a web process and a background poller at once.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Covering-index INCLUDE columns are a Postgres speed-up; SQLite builds the index without them.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
elif DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # A database that accepts connections and never answers used to hold every request until
    # gunicorn killed the worker (30 s, a 500), with database-free requests queued behind it.
    # connect_timeout bounds the whole connection start-up (psycopg 3 enforces it client-side), so
    # such requests answer 503 within seconds; statement_timeout bounds a slow query (the server
    # enforces it). TCP keepalives notice a peer that vanished under an open connection.
    # DATABASE_STATEMENT_TIMEOUT_MS=0 turns the statement limit off (long migrations, rebuilds).
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", envint("DATABASE_CONNECT_TIMEOUT", 3))
    _statement_ms = envint("DATABASE_STATEMENT_TIMEOUT_MS", 10000)
    _db_options.setdefault("options", f"-c statement_timeout={_statement_ms}")
    for _name, _value in {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3, "keepalives_count": 3}.items():
        _db_options.setdefault(_name, _value)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down must cost latency, not pages: short timeouts, and errors behave like cache
            # misses (the throttle fails open while Redis is down: see config/cache.py).
            "BACKEND": "config.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.25},
        }
    }
else:
    # Without Redis (the embedded default) a file-based cache that every worker on this machine
    # shares: the API throttle, the log-in limit and the page limit count across workers (an
    # in-process cache gave each gunicorn worker its own budget).
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": os.environ.get("FILE_CACHE_DIR", "").strip() or str(BASE_DIR / "var" / "cache"),
            "TIMEOUT": 3600,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# Failed log-ins (config/ratelimit.py), counted per username and per client address in a fixed
# window; past a limit, log-ins answer 429 with Retry-After until the window ends.
LOGIN_MAX_FAILURES_PER_USERNAME = envint("LOGIN_MAX_FAILURES_PER_USERNAME", 10)
LOGIN_MAX_FAILURES_PER_ADDRESS = envint("LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
LOGIN_FAILURE_WINDOW_SECONDS = envint("LOGIN_FAILURE_WINDOW_SECONDS", 900)
# Anonymous requests per client address to the expensive pages (/compare/, the wizard's estimate
# partial); empty = no limit.
PAGE_THROTTLE_ANON = os.environ.get("PAGE_THROTTLE_ANON", "60/min").strip()
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Email carries password-reset links with live tokens. The console backend prints them to the
# server log, so outside debug it is refused (as are the file and in-memory backends): configure a
# real backend (SMTP), or set EMAIL_DISABLED=1 to run with password reset and alert emails off
# (the pages say so). EMAIL_DISABLED is only read when EMAIL_BACKEND is empty.
_LOG_LIKE_EMAIL = ("console", "filebased", "locmem")
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "").strip()
if EMAIL_BACKEND.rsplit(".", 2)[-2:-1] == ["dummy"]:
    EMAIL_ENABLED = False
elif EMAIL_BACKEND:
    EMAIL_ENABLED = True
    if not DEBUG and any(f".{kind}." in EMAIL_BACKEND for kind in _LOG_LIKE_EMAIL):
        raise ImproperlyConfigured(
            f"EMAIL_BACKEND={EMAIL_BACKEND} would write password-reset links to the log or disk with "
            "DJANGO_DEBUG off: use django.core.mail.backends.smtp.EmailBackend (EMAIL_HOST, ...), or "
            "leave EMAIL_BACKEND empty and set EMAIL_DISABLED=1")
elif DEBUG:
    EMAIL_BACKEND, EMAIL_ENABLED = "django.core.mail.backends.console.EmailBackend", True
elif envbool("EMAIL_DISABLED"):
    EMAIL_BACKEND, EMAIL_ENABLED = "django.core.mail.backends.dummy.EmailBackend", False
else:
    raise ImproperlyConfigured(
        "EMAIL_BACKEND is required when DJANGO_DEBUG is off (password-reset links must not go to the "
        "log): set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend with EMAIL_HOST etc., or "
        "EMAIL_DISABLED=1 to turn password reset and alert emails off")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "selector@localhost")

# --- Security headers (production values; check --deploy passes with DJANGO_DEBUG=0) ---------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie; keep default
SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
SESSION_COOKIE_SECURE = envbool("DJANGO_SECURE_COOKIES", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
DJANGO_BEHIND_PROXY = envbool("DJANGO_BEHIND_PROXY")
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if DJANGO_BEHIND_PROXY else None
# Content Security Policy (django-csp): everything from our own origin, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)

# --- REST framework ------------------------------------------------------------------------
API_THROTTLE_ANON = os.environ.get("API_THROTTLE_ANON", "120/min")
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": [
        "selector.api.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.SessionAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": API_THROTTLE_ANON, "launch": os.environ.get("API_THROTTLE_USER", "60/min")},
    # Who a client is, for the throttle: REMOTE_ADDR, or the address our one proxy appended to
    # X-Forwarded-For. Left unset, DRF keys on the whole client-written header: a new fake value per
    # request would get a fresh budget each time.
    "NUM_PROXIES": 1 if envbool("DJANGO_BEHIND_PROXY") else 0,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "selector.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": False,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Compute Provider Selector API",
    "DESCRIPTION": "Compare GPU cloud providers and your local GPU for a training job.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets come from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"GpuQueryNameEnum": "selector.api.base.GPU_QUERY_NAMES"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "selector.api.schema_hooks.cross_field_rules",
    ],
}

# --- Pricing and polling ----------------------------------------------------------------------
PRICE_POLL_INTERVAL_SECONDS = envint("PRICE_POLL_INTERVAL_SECONDS", 300)
PRICING_OFFLINE = envbool("PRICING_OFFLINE")
# A built-in price list older than this many days is marked stale (its figures are list prices).
CATALOG_STALE_DAYS = envint("CATALOG_STALE_DAYS", 30)
PROVIDER_SETTINGS = {
    # RunPod: its RateLimit headers pace the per-count availability calls (runpod adapter).
    "runpod": {"key_env": "RUNPOD_API_KEY", "url_env": "RUNPOD_API_URL", "default_url": "https://api.runpod.io/v2"},
    "lambda": {"key_env": "LAMBDA_API_KEY", "url_env": "LAMBDA_API_URL", "default_url": "https://cloud.lambda.ai/api/v1"},
    # api.together.xyz is the old host and may redirect to api.together.ai: both are Together's.
    "together": {"key_env": "TOGETHER_API_KEY", "url_env": "TOGETHER_API_URL", "default_url": "https://api.together.ai/v1",
                 "redirect_hosts": ["api.together.ai", "api.together.xyz"]},
    # Vast's search: 10 requests/minute per IP, and a plain-text 429 without Retry-After.
    "vast": {"key_env": "VAST_API_KEY", "url_env": "VAST_API_URL", "default_url": "https://console.vast.ai/api/v0",
             "min_interval_s": 6.0, "rate_limit_wait_s": 6.0, "redirect_hosts": ["console.vast.ai", "cloud.vast.ai"]},
    "modal": {"key_env": None, "url_env": None, "default_url": ""},
    # REPLICATE_API_TOKEN is the name Replicate's own tools and docs use; REPLICATE_API_KEY still works.
    "replicate": {"key_env": "REPLICATE_API_TOKEN", "key_env_aliases": ["REPLICATE_API_KEY"],
                  "url_env": "REPLICATE_API_URL", "default_url": "https://api.replicate.com/v1"},
}
# Together reports a dedicated-endpoint configuration's availability only for a given model: the
# models asked each poll (comma-separated; the default is the model of Together's quickstart).
TOGETHER_AVAILABILITY_MODELS = [m.strip() for m in os.environ.get(
    "TOGETHER_AVAILABILITY_MODELS", "Qwen/Qwen3.5-9B-FP8").split(",") if m.strip()]
# Overall deadline for one provider poll (connect + all reads + retries), seconds.
# Each process holds the current offers (and their pricing) of one snapshot, if not larger than this.
PRICE_SNAPSHOT_MAX_BYTES = envint("PRICE_SNAPSHOT_MAX_BYTES", 256 * 1024 * 1024)
# The API's one answer cache (rendered compare-costs / instances JSON, held on the priced snapshot
# and gone with it when a poll lands): at most this many bytes per process.
# Each process re-reads the providers' price pointers at most this often (seconds, 0 = every read):
# a burst of API requests costs no query; a poll that lands is seen at most this late.
PRICE_POINTERS_CACHE_SECONDS = float(os.environ.get("PRICE_POINTERS_CACHE_SECONDS", "1") or 0)
COMPARE_ANSWER_CACHE_MAX_BYTES = envint("COMPARE_ANSWER_CACHE_MAX_BYTES", 16 * 1024 * 1024)
# Called with a poll's id once a successful poll is committed (pricing imports no app above it).
PRICE_POLL_HANDOFF = "alerts.tasks.enqueue_evaluation"
# How often the selector pages re-fetch their results (htmx), seconds.
SELECTOR_REFRESH_SECONDS = envint("SELECTOR_REFRESH_SECONDS", 30)
# The selector pages list at most this many options (the API answers with all of them).
SELECTOR_MAX_ROWS = envint("SELECTOR_MAX_ROWS", 100)
PROVIDER_POLL_DEADLINE_SECONDS = envint("PROVIDER_POLL_DEADLINE_SECONDS", 30)
PROVIDER_MAX_RESPONSE_BYTES = envint("PROVIDER_MAX_RESPONSE_BYTES", 20 * 1024 * 1024)

# --- Launch (the teams' own provider accounts) ----------------------------------------------------
# Fernet key(s) encrypting provider keys and template env vars at rest, comma-separated, newest first
# (rotation: README). Debug derives a development key from DJANGO_SECRET_KEY when unset.
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "").strip()
# 1 = every launch is a logged dry run; 0 = launch for real; auto (default) = a dry run for a team
# with no account on that provider, a real launch once the team connects one.
LAUNCH_DRY_RUN = os.environ.get("LAUNCH_DRY_RUN", "auto").strip().lower() or "auto"
# Failover: at most this many offers are tried for one launch (dstack tries 25; we are more careful).
LAUNCH_MAX_ATTEMPTS = envint("LAUNCH_MAX_ATTEMPTS", 3)
# How often the tracker polls each live job's status, seconds (providers rate-limit status calls too).
LAUNCH_TRACK_INTERVAL_SECONDS = envint("LAUNCH_TRACK_INTERVAL_SECONDS", 15)
# How often the sweep lists tagged instances with no live job, seconds.
LAUNCH_SWEEP_INTERVAL_SECONDS = envint("LAUNCH_SWEEP_INTERVAL_SECONDS", 900)
# Token-authenticated API clients (scripts, CI): requests per user.
API_THROTTLE_USER = os.environ.get("API_THROTTLE_USER", "60/min")

# --- Celery ---------------------------------------------------------------------------------------
# With REDIS_URL: Redis is the broker. Without it (the embedded `make run` default) a file-based
# queue under var/celery keeps prices fresh with nothing else installed.
CELERY_FILE_QUEUE_DIR = BASE_DIR / "var" / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": 3600, "socket_connect_timeout": 0.5, "socket_timeout": 0.5,
        # kombu retries opening a channel until CELERY_BROKER_CONNECTION_TIMEOUT, but sleeps
        # interval_start (default 2 s) first: apply_async(retry=False) then blocked 2 s.
        "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2,
    }
    # A web request that publishes a task while the broker is down must not hang (celery #4556):
    # give up after ~0.5 s in total (one connect attempt + two quick retries).
    CELERY_BROKER_CONNECTION_TIMEOUT = 0.5
    CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.1, "interval_max": 0.1}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_FILE_QUEUE_DIR / "queue"),
        "data_folder_out": str(CELERY_FILE_QUEUE_DIR / "queue"),
        "processed_folder": str(CELERY_FILE_QUEUE_DIR / "processed"),
        "control_folder": str(CELERY_FILE_QUEUE_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_SOFT_TIME_LIMIT = PROVIDER_POLL_DEADLINE_SECONDS + 30
CELERY_TASK_TIME_LIMIT = PROVIDER_POLL_DEADLINE_SECONDS + 60
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(BASE_DIR / "var" / "celerybeat-schedule")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "config.logging.StderrHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
}
if not REDIS_URL:
    # kombu warns "No hostname was supplied" on every connection of the file-based queue: noise.
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}
