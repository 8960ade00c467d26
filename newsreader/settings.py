"""Settings for Newsreader. Everything a deployment changes comes from the environment."""

import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def _load_dotenv(path: Path) -> None:
    """Read KEY=VALUE lines from a local .env (written by `make run`); the real environment wins."""
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            os.environ.setdefault(key.strip(), value.strip().strip("'\""))


if "pytest" not in sys.modules:
    _load_dotenv(BASE_DIR / ".env")


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-only-for-debug-and-tests"  # noqa: S105
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks_db",
    "articles",
    "annotations",
    "reading",
    "search",
    "imports",
    "library",  # migration history only: see library/apps.py
    "bench",  # the benchmarks' management commands (make bench); no models, no pages
    "newsreader",  # project-wide tables (rate-limit counters) and management commands
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # HTML compressed (static files come precompressed from WhiteNoise, which answers
    # before this). BREACH: see README "Compression".
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "newsreader.privacy.PrivatePagesMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last in line but before any body is read (CSRF reads it in process_view, after every
    # middleware's request phase), so its 413 gets the session, headers and request.htmx.
    "newsreader.request_limits.RequestSizeMiddleware",
]

ROOT_URLCONF = "newsreader.urls"
WSGI_APPLICATION = "newsreader.wsgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the task worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DB_PREPARED_STATEMENTS", True
):
    # Parameters bound by the server, and a statement run twice on a connection prepared
    # (psycopg): a page's small queries then skip planning, which took longer than running
    # them. Off (DB_PREPARED_STATEMENTS=0) behind a pooler that hands a session's
    # statements to other server connections: pgbouncer in transaction mode before 1.21,
    # or without max_prepared_statements (README "Running on PostgreSQL").
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": 2})

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Django's model backend, with the reader's display preferences joined to the user.
AUTHENTICATION_BACKENDS = ["reading.auth.PreferencesBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "newsreader.storage.StaticStorage"
        )
    },
}

# Content Security Policy: no inline script or style, nothing from other origins.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "http:"],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and not TESTING:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    # Both bind every subdomain, and a preload entry ships inside browsers for months:
    # the operator's choice for their whole domain, so off unless asked for (and then
    # Django's deploy checks that ask for them have nothing left to say).
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SILENCED_SYSTEM_CHECKS = [
        *([] if SECURE_HSTS_INCLUDE_SUBDOMAINS else ["security.W005"]),
        *([] if SECURE_HSTS_PRELOAD else ["security.W021"]),
    ]
    # Any client can send X-Forwarded-Proto: it says "https" only when the proxy that sets
    # it is named here (the header it writes, e.g. X-Forwarded-Proto).
    if proxy_header := os.environ.get("SECURE_PROXY_SSL_HEADER", "").strip():
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + proxy_header.upper().replace("-", "_"), "https")
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


# The cache (annotation cards, annotations/cards.py): CACHE_URL "locmem://" (the default:
# one process, `make run`), "redis://host:6379/0" (needs the redis package), or
# "db://table" (the database; `manage.py createcachetable` makes the table). Several web
# processes need a shared one to share what each rendered.
def _caches(url: str) -> dict[str, dict[str, object]]:
    scheme, _, rest = url.partition("://")
    if scheme == "locmem":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                "LOCATION": rest or "newsreader",
                "OPTIONS": {"MAX_ENTRIES": 20_000},
            }
        }
    if scheme in {"redis", "rediss"}:
        return {
            "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
        }
    if scheme == "db":
        return {
            "default": {
                "BACKEND": "django.core.cache.backends.db.DatabaseCache",
                "LOCATION": rest or "newsreader_cache",
                "OPTIONS": {"MAX_ENTRIES": 100_000},
            }
        }
    raise ImproperlyConfigured(f"CACHE_URL: unknown scheme {scheme!r} (locmem, redis or db).")


CACHES = _caches(os.environ.get("CACHE_URL") or "locmem://")
FRAGMENT_CACHE_SECONDS = int(os.environ.get("FRAGMENT_CACHE_SECONDS", str(24 * 3600)))

# Search ranks at most this many matches, the newest (search/engine.py): a word in every
# story would otherwise rank the whole collection. The page says when results were cut.
SEARCH_CANDIDATES = int(os.environ.get("SEARCH_CANDIDATES", "1000"))

# Background work: django.tasks with the database backend (django-tasks-db). `make run`
# starts a worker beside the web server; TASKS_IMMEDIATE=1 runs tasks in the request.
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if env_bool("TASKS_IMMEDIATE", TESTING)
            else "django_tasks_db.DatabaseBackend"
        ),
    }
}
# A task RUNNING this long lost its worker (see newsreader/stale_tasks.py): it is retried,
# and failed once it has been taken this many times.
TASK_STALE_AFTER = int(os.environ.get("TASK_STALE_AFTER", "3600"))
TASK_MAX_ATTEMPTS = int(os.environ.get("TASK_MAX_ATTEMPTS", "3"))

# Hosts the fetcher may reach even though they resolve to non-public addresses
# (development and tests serve pages from a local HTTP server).
FETCH_ALLOWED_HOSTS = env_list("FETCH_ALLOWED_HOSTS")
FETCH_MAX_BYTES = int(os.environ.get("FETCH_MAX_BYTES", str(5 * 1024 * 1024)))
FETCH_TIMEOUT = float(os.environ.get("FETCH_TIMEOUT", "15"))
# A feed refresh or item ingestion past either limit is stopped and its error recorded
# (newsreader/task_limits.py): wall time covers the fetch, CPU time the parsing.
TASK_TIME_LIMIT = float(os.environ.get("TASK_TIME_LIMIT", "60"))
TASK_CPU_LIMIT = float(os.environ.get("TASK_CPU_LIMIT", "20"))
FETCH_USER_AGENT = "Newsreader/0.1 (+https://github.com/newsreader; self-hosted reader)"

# OPML import (articles.tasks.add_feeds): feeds one file may list, feeds one reader may
# add in all, and how the first fetches of an import are spread (seconds apart, at most
# over this long in all).
OPML_IMPORT_MAX_FEEDS = int(os.environ.get("OPML_IMPORT_MAX_FEEDS", "500"))
FEEDS_PER_USER_MAX = int(os.environ.get("FEEDS_PER_USER_MAX", "1000"))
OPML_FETCH_SPACING = float(os.environ.get("OPML_FETCH_SPACING", "10"))
OPML_FETCH_SPREAD_MAX = float(os.environ.get("OPML_FETCH_SPREAD_MAX", "3600"))

# Upload and paste cap for files read by the ingest command and the forms.
INGEST_MAX_BYTES = int(os.environ.get("INGEST_MAX_BYTES", str(5 * 1024 * 1024)))
# Request bodies (newsreader/request_limits.py), refused by Content-Length before reading:
# the forms that take a file or a paste accept UPLOAD_MAX_BYTES, every other path
# REQUEST_MAX_BYTES. Django's own limits are set to the larger one so that ours, per path,
# always answer first; uploads within it stay in memory, never in a temporary file.
REQUEST_MAX_BYTES = int(os.environ.get("REQUEST_MAX_BYTES", str(1024 * 1024)))
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", str(16 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = max(UPLOAD_MAX_BYTES, REQUEST_MAX_BYTES)
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "newsreader.request_limits.CappedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    # Reached only by a signed-in reader's import file over UPLOAD_MAX_BYTES: every other
    # body is capped at or below the in-memory size by CappedUploadHandler.
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# Imports (imports/): an export file may be this large, a zip in it may unpack to at most
# this much, and the worker fetches a site's pages at most once every this many seconds.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(100 * 1024 * 1024)))
IMPORT_MAX_UNCOMPRESSED = int(os.environ.get("IMPORT_MAX_UNCOMPRESSED", str(500 * 1024 * 1024)))
IMPORT_FETCH_DELAY = float(os.environ.get("IMPORT_FETCH_DELAY", "0" if TESTING else "2"))
IMPORT_POLL_SECONDS = 1
# One import task runs this long at most, then queues the rest as a new task.
IMPORT_TASK_SECONDS = float(os.environ.get("IMPORT_TASK_SECONDS", "600"))

# Rate limits (newsreader/ratelimit.py): counters live in the database, shared by every web
# process. RATELIMIT_RATES overrides a scope's rate, e.g. {"login-ip": "50/m"}.
RATELIMIT_ENABLED = env_bool("RATELIMIT_ENABLED", True)
RATELIMIT_RATES: dict[str, str] = {}
# Behind a reverse proxy, the header it sets with the client's address (its last entry).
RATELIMIT_IP_META = os.environ.get("RATELIMIT_IP_META", "REMOTE_ADDR")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
