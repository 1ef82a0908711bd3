"""Settings read from the environment, with defaults that suit the embedded run.

The embedded default is SQLite plus django-q2's ORM broker; `DATABASE_URL` and
`REDIS_URL` switch to PostgreSQL and Redis for a scaled-out install.
"""

from pathlib import Path

import dj_database_url
from django.core.management.utils import get_random_secret_key

from config.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("GUARD_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_key() -> str:
    """A stable per-install key for the embedded run; production sets DJANGO_SECRET_KEY."""
    configured = env_str("DJANGO_SECRET_KEY", "")
    if configured:
        return configured
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(get_random_secret_key())
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "guard",  # before admin so its admin/base_site.html (the kill-switch banner) wins
    "scheduler",
    "checker",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_q",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guard.context_processors.kill_switch_banner",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

_SQLITE_OPTIONS = {
    # IMMEDIATE takes the write lock at BEGIN, so two writers queue instead of
    # failing with "database is locked" half-way through (see STACK.md).
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;",
}

DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "db.sqlite3"),
        }
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {**_SQLITE_OPTIONS, **DATABASES["default"].get("OPTIONS", {})}
    # Tests use a file too, so that worker processes they start see the same data.
    DATABASES["default"].setdefault("TEST", {})["NAME"] = str(VAR_DIR / "test-db.sqlite3")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# The embedded run serves the admin's own CSS and JS without a separate web server.
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "admin:login"

# Outbound email for the email channel: Django's SMTP backend.
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "posts@localhost")

# Publishing policy.
PUBLISH_GRACE_MINUTES = env_int("PUBLISH_GRACE_MINUTES", 15, minimum=0)
PUBLISH_MAX_ATTEMPTS = env_int("PUBLISH_MAX_ATTEMPTS", 5, minimum=1)
PUBLISH_RETRY_BASE_SECONDS = env_int("PUBLISH_RETRY_BASE_SECONDS", 30, minimum=1)
PUBLISH_STALE_SENDING_SECONDS = env_int("PUBLISH_STALE_SENDING_SECONDS", 300, minimum=1)
# Each minute the schedule starts a loop; loops outlast the minute (and the
# scheduler's ~30 s jitter) so one is always polling. Overlap is safe: claims decide.
PUBLISHER_LOOP_SECONDS = env_int("PUBLISHER_LOOP_SECONDS", 90, minimum=1)
PUBLISHER_POLL_SECONDS = env_int("PUBLISHER_POLL_SECONDS", 1, minimum=1)

# Outbound HTTP (channels now, feeds later): one policy for every call.
OUTBOUND_CONNECT_TIMEOUT = env_int("OUTBOUND_CONNECT_TIMEOUT", 5, minimum=1)
OUTBOUND_READ_TIMEOUT = env_int("OUTBOUND_READ_TIMEOUT", 10, minimum=1)
OUTBOUND_TOTAL_DEADLINE = env_int("OUTBOUND_TOTAL_DEADLINE", 30, minimum=1)
OUTBOUND_MAX_RESPONSE_BYTES = env_int("OUTBOUND_MAX_RESPONSE_BYTES", 1_000_000, minimum=1024)

# Pre-flight checker, the learned score's two thresholds, chosen together with
# bench/checker_threshold.py on the development set (checker/corpus/dev.csv, never
# trained on): the pair with the highest recall that keeps 96% of its ordinary drafts
# passing (model trained on 25,214 rows: development recall 0.945, pass rate 0.962).
# At or above CHECKER_MODEL_REVIEW_SCORE a draft that no rule sent to review goes to
# review. Empty: the model's own per-language threshold from training (at most 10% of
# the corpus's hard ordinary drafts flagged out of fold).
CHECKER_MODEL_REVIEW_SCORE = env_float("CHECKER_MODEL_REVIEW_SCORE", 0.48)
# Below CHECKER_MODEL_CLEAR_SCORE a topic mention that would go to review is shown as a
# note instead (a polling-station closure, a funeral director's hours): the model is
# all but sure the draft is plain. 0 turns it off.
CHECKER_MODEL_CLEAR_SCORE = env_float("CHECKER_MODEL_CLEAR_SCORE", 0.20)

# Country codes (ISO 3166-1) of the audience, so region-specific sensitive dates
# (Memorial Day: US) apply only where they matter. Empty: every region's dates apply.
CHECKER_AUDIENCE_REGIONS = env_list("CHECKER_AUDIENCE_REGIONS", [])

OUTBOX_DIR = Path(env_str("OUTBOX_DIR", str(VAR_DIR / "outbox")))

REDIS_URL = env_str("REDIS_URL", "")
Q_CLUSTER = {
    "name": "postguard",
    "workers": env_int("Q_WORKERS", 4, minimum=1),
    # A publisher loop runs for PUBLISHER_LOOP_SECONDS inside one task: the
    # timeout must outlast it and retry must outlast the timeout, or the
    # broker hands the same task to a second worker.
    "timeout": PUBLISHER_LOOP_SECONDS + 60,
    "retry": PUBLISHER_LOOP_SECONDS + 120,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 250,
    "poll": 1,
    "label": "Django Q2",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "scheduler": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
        "guard": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    },
}
