"""Protoplatform settings, read from the environment.

Production is the default: DEBUG is off and SECRET_KEY must be given, so a deployment that
forgets a variable stops at start-up instead of serving debug pages or forgeable sessions.
`make run` and the tests ask for DEBUG=1 and a development secret themselves. The embedded
default needs no server: SQLite and media under var/, Celery tasks run eagerly, email printed
to the console. The variables are listed in the README.
"""

import os
import sys
from pathlib import Path

import dj_database_url
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
# The embedded default keeps its database, media and collected static files here.
(VAR_DIR / "staticfiles").mkdir(parents=True, exist_ok=True)


def env(name, default=None):
    return os.environ.get(name, default)


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name):
    """A required secret: the variable itself, or the file named by NAME_FILE (as container
    secrets are mounted). There is no default: a made-up one would be public."""
    value = os.environ.get(name, "").strip()
    path = os.environ.get(f"{name}_FILE", "")
    if not value and path:
        try:
            value = Path(path).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(
                f"{name}_FILE names {path!r}, which cannot be read ({error.strerror})."
            ) from None
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: give it a long random value, or {name}_FILE the path of a file "
            "holding one (`make run` makes one for development in var/)."
        )
    return value


DEBUG = env_bool("DEBUG", default=False)
TESTING = "pytest" in sys.modules

SECRET_KEY = env_secret("SECRET_KEY")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "prototypes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Below WhiteNoise (which serves static files precompressed), above what writes bodies.
    "protoplatform.compression.TextGZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "prototypes.workspaces.access.CurrentWorkspaceMiddleware",
    "prototypes.htmx_messages.HtmxMessagesMiddleware",
    "prototypes.public_errors.PublicErrorPageMiddleware",
]

ROOT_URLCONF = "protoplatform.urls"
WSGI_APPLICATION = "protoplatform.wsgi.application"

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
                "prototypes.workspaces.access.workspace_context",
            ],
        },
    }
]
# Every form field is drawn by one template (`{{ form.x.as_field_group }}`).
FORM_RENDERER = "prototypes.forms.FormRenderer"

# A misspelt DATABASE_URL must stop start-up with a line that names the variable.
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
except Exception:
    # The URL may hold a password: name the variable and the scheme, never the whole value.
    scheme = DATABASE_URL.split(":", 1)[0] if ":" in DATABASE_URL else DATABASE_URL[:20]
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Django understands (scheme {scheme!r}); "
        "expected e.g. postgres://user:password@host:5432/name or sqlite:///path/db.sqlite3."
    ) from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "")
# The live channel's fan-out (docs/live.md): Redis pub/sub when set, else within one process.
LIVE_REDIS_URL = env("LIVE_REDIS_URL", REDIS_URL)
# A live stream ends after this long and the browser reconnects (permissions checked again).
LIVE_STREAM_SECONDS = env_int("LIVE_STREAM_SECONDS", 120)
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "prototypes" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", VAR_DIR / "media"))

# Media on S3-compatible storage when a bucket is named, local disk otherwise.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    MEDIA_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env("AWS_S3_REGION_NAME") or None,
            "access_key": env("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            # Signature version 2 URLs are refused by buckets created since 2020 and by newer
            # regions; botocore still signs URLs with it unless told otherwise.
            "signature_version": "s3v4",
            "file_overwrite": False,
        },
    }
else:
    MEDIA_STORAGE = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
# Where the browser fetches signed media URLs from, for the CSP's img-src: the endpoint itself
# (path-style URLs), or on AWS the bucket's own host, global or regional (S3 may redirect to it).
if not AWS_STORAGE_BUCKET_NAME:
    MEDIA_ORIGINS = []
elif env("AWS_S3_ENDPOINT_URL"):
    MEDIA_ORIGINS = [env("AWS_S3_ENDPOINT_URL").rstrip("/")]
else:
    MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"] + (
        [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{env('AWS_S3_REGION_NAME')}.amazonaws.com"]
        if env("AWS_S3_REGION_NAME")
        else []
    )
STORAGES = {
    "default": MEDIA_STORAGE,
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

EMAIL_HOST = env("EMAIL_HOST", "")
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=bool(EMAIL_HOST))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Protoplatform <noreply@localhost>")

# Celery: with no broker configured, tasks run eagerly in the process that enqueues them.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
# Longer than any task's countdown or retry delay, so Redis never re-delivers a task early. A
# task whose worker died is re-delivered once this many seconds have passed since it was taken.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 2,
    "max_retries": 1,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE = {
    "enqueue-pending-jobs": {"task": "prototypes.jobs.sweep_pending_jobs", "schedule": 60.0},
    "send-invitation-reminders": {
        "task": "prototypes.recruitment.send_reminders",
        "schedule": 15 * 60.0,
    },
    "purge-expired-personal-data": {
        "task": "prototypes.recruitment.purge_expired_personal_data",
        "schedule": 24 * 3600.0,
    },
    "send-due-webhooks": {"task": "prototypes.webhooks.send_due", "schedule": 60.0},
    "sweep-unreferenced-files": {
        "task": "prototypes.sweep_unreferenced_files",
        "schedule": 24 * 3600.0,
    },
}

# Webhooks: the pauses (seconds) before each retry of a failed delivery, the schedule Standard
# Webhooks suggests; and whether endpoints may be on private networks (an internal receiver).
# Off by default: a webhook URL must never let a workspace owner reach the server's own network.
try:
    WEBHOOK_RETRY_DELAYS = [
        float(delay) for delay in env_list("WEBHOOK_RETRY_DELAYS", "5,300,1800,7200,18000,36000")
    ]
except ValueError:
    raise ImproperlyConfigured(
        "WEBHOOK_RETRY_DELAYS must be seconds separated by commas, e.g. 5,300,1800."
    ) from None
WEBHOOKS_ALLOW_PRIVATE_NETWORKS = env_bool("WEBHOOKS_ALLOW_PRIVATE_NETWORKS", default=False)

# Uploads and image processing limits.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 25 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
UPLOAD_MAX_PAGES = env_int("UPLOAD_MAX_PAGES", 50)
# Figma import: the REST API (tests point it at a local fake), how many frames go in one
# request to its images endpoint, how long a worker may wait when Figma asks it to slow down
# (longer waits end the import with the time to try again), and frames per import.
FIGMA_API_URL = env("FIGMA_API_URL", "https://api.figma.com")
FIGMA_IMAGE_BATCH = env_int("FIGMA_IMAGE_BATCH", 10)
FIGMA_MAX_WAIT_SECONDS = env_int("FIGMA_MAX_WAIT_SECONDS", 60)
FIGMA_MAX_FRAMES = env_int("FIGMA_MAX_FRAMES", 100)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# How long a [wizard] step of a moderated session waits for the facilitator before the script's
# fallback answers (docs/moderated.md).
WIZARD_TIMEOUT_SECONDS = env_int("WIZARD_TIMEOUT_SECONDS", 60)
# Transcription of think-aloud recordings (docs/audio.md, "Transcription engines").
TRANSCRIPTION_ENGINE = env("TRANSCRIPTION_ENGINE", "pocketsphinx")
TRANSCRIPTION_MODEL_PATH = env("TRANSCRIPTION_MODEL_PATH", "")
TRANSCRIPTION_LANGUAGE = env("TRANSCRIPTION_LANGUAGE", "en")

# Security.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *MEDIA_ORIGINS],
        # The nonce is sent only with a page that uses it: the player's inline styles.
        "style-src": ["'self'", NONCE],
        "script-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "protoplatform.logging.JsonFormatter"},
        "plain": {"format": "%(levelname)s %(name)s: %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", "plain" if DEBUG else "json"),
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
