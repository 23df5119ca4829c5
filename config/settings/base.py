"""Settings shared by every runtime mode. Mode files (local, test, production) import from here."""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("CAREFRONT_VAR_DIR", BASE_DIR / "var"))


def database_from_url(url: str) -> dict:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return {
            # Django's SQLite backend, with write transactions queued on a file lock.
            "ENGINE": "carefront.core.sqlite",
            "NAME": unquote(parts.path[1:]) or str(VAR_DIR / "carefront.sqlite3"),
            # WAL lets the web server read while the worker and receivers write.
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; "
                    "PRAGMA temp_store=MEMORY; PRAGMA mmap_size=268435456;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # Reuse connections across requests: opening one runs the PRAGMAs above each time.
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path[1:]),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"Unsupported database URL scheme: {parts.scheme!r}")


SECRET_KEY = os.environ.get("CAREFRONT_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("CAREFRONT_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "channels",
    # Before django_tasks_db: its `db_worker` command adds heartbeats and crash recovery.
    "carefront.core",
    "django_tasks_db",
    "carefront.accounts",
    "carefront.customers",
    "carefront.inboxes",
    "carefront.conversations",
    "carefront.automation",
    "carefront.feedback",
    "carefront.sla",
    "carefront.notifications",
    "carefront.quality",
    "carefront.knowledge",
    "carefront.webhooks",
    "carefront.api",
    "carefront.web",
    "carefront.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "carefront.core.middleware.SiteLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "carefront.core.middleware.AgentTimezoneMiddleware",
    "carefront.api.middleware.RateLimitHeadersMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("CAREFRONT_DATABASE_URL", f"sqlite:///{VAR_DIR / 'carefront.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# One process (the embedded mode) keeps its cache in memory; production.py switches to Redis.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

# Realtime (carefront/conversations/live.py, docs/realtime.md): one process keeps its channel
# layer in memory; with CAREFRONT_REDIS_URL, Redis carries it between server processes.
if os.environ.get("CAREFRONT_REDIS_URL"):
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 reads with a 5 s socket timeout by default, and channels-redis waits
            # up to 5 s (BZPOPMIN) for a channel's next message: an idle socket's receive then
            # failed with "Timeout reading from Redis" and the consumer died. Reads get slack.
            "CONFIG": {
                "hosts": [{"address": os.environ["CAREFRONT_REDIS_URL"], "socket_timeout": 30}]
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

AUTH_USER_MODEL = "accounts.Agent"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:inbox"
LOGOUT_REDIRECT_URL = "web:login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The languages of customer-facing text (surveys, the rating page): catalogs in
# carefront/locale, built with `make messages`. The agent UI stays in LANGUAGE_CODE for now
# (carefront.core.middleware.SiteLanguageMiddleware). See docs/admin-guide.md.
LANGUAGES = [("en", _("English")), ("de", _("German")), ("fr", _("French")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "carefront" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
# The chat widget (/static/chat/widget.js) lives with the chat adapter, which is not an app.
STATICFILES_DIRS = [BASE_DIR / "carefront" / "inboxes" / "chat" / "static"]
MEDIA_ROOT = Path(os.environ.get("CAREFRONT_MEDIA_ROOT", VAR_DIR / "media"))
# The Markdown docs served at /docs/. Unset: the checkout's docs/, else the copy a wheel installs
# under <prefix>/share/carefront/docs (see carefront/web/docs.py).
CAREFRONT_DOCS_DIR = os.environ.get("CAREFRONT_DOCS_DIR") or None
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# A strict policy: no inline script or style, no third-party origins. Message HTML is sanitised
# server-side as well; this is the second wall.
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache (one query saved on every page) and written through to the
# database. Safe only while every web process shares that cache: the embedded mode runs one
# process; production.py keeps it only with Redis.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
CSRF_COOKIE_HTTPONLY = False

TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}

# Outbound mail. Production sets the relay through the environment.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {
            "host": os.environ.get("CAREFRONT_EMAIL_HOST", "127.0.0.1"),
            "port": int(os.environ.get("CAREFRONT_EMAIL_PORT", "25")),
            "username": os.environ.get("CAREFRONT_EMAIL_HOST_USER", ""),
            "password": os.environ.get("CAREFRONT_EMAIL_HOST_PASSWORD", ""),
            "use_tls": os.environ.get("CAREFRONT_EMAIL_USE_TLS", "") == "1",
            "timeout": 30,
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("CAREFRONT_DEFAULT_FROM_EMAIL", "support@carefront.test")

CAREFRONT = {
    # Domain used in Message-IDs we generate and in reply-token addresses.
    "MAIL_DOMAIN": os.environ.get("CAREFRONT_MAIL_DOMAIN", "carefront.test"),
    # Where agents reach Carefront (https://help.example.com), for links in emails sent outside
    # a request (a paused webhook's notice, satisfaction surveys). Empty: those links are paths
    # only, and surveys are not sent.
    "BASE_URL": os.environ.get("CAREFRONT_BASE_URL", "").rstrip("/"),
    # Inbound limits: bigger messages are kept raw and rejected with a log line, never lost.
    "MAX_MESSAGE_BYTES": int(os.environ.get("CAREFRONT_MAX_MESSAGE_BYTES", 50 * 1024 * 1024)),
    "MAX_ATTACHMENT_BYTES": int(os.environ.get("CAREFRONT_MAX_ATTACHMENT_BYTES", 40 * 1024 * 1024)),
    "SMTP_RECEIVER_HOST": os.environ.get("CAREFRONT_SMTP_HOST", "127.0.0.1"),
    "SMTP_RECEIVER_PORT": int(os.environ.get("CAREFRONT_SMTP_PORT", "2525")),
    "OUTBOX_MAX_ATTEMPTS": 8,
    # A background worker whose heartbeat is older than this is dead: its tasks and sends are
    # put back (carefront/core/workers.py). Workers beat every 10 s.
    "WORKER_STALE_SECONDS": 60,
    # Satisfaction surveys (docs/feedback.md): their links work, and a rating can be changed,
    # for this many days after the survey is sent.
    "RATING_WINDOW_DAYS": int(os.environ.get("CAREFRONT_RATING_WINDOW_DAYS", "14")),
    # Notification emails (docs/agent-guide.md, "Notifications"): the first notification an agent
    # gets waits this long, so that what follows it goes out in the same email.
    "NOTIFICATION_EMAIL_DELAY_SECONDS": int(
        os.environ.get("CAREFRONT_NOTIFICATION_EMAIL_DELAY_SECONDS", "120")
    ),
    # Nobody is asked for feedback (a CSAT survey or an NPS invitation) more than once in this
    # many days; 0 turns the throttle off. NPS links work for NPS_WINDOW_DAYS after sending.
    "SURVEY_THROTTLE_DAYS": int(os.environ.get("CAREFRONT_SURVEY_THROTTLE_DAYS", "90")),
    "NPS_WINDOW_DAYS": int(os.environ.get("CAREFRONT_NPS_WINDOW_DAYS", "30")),
    # Feedback themes (docs/feedback.md): the vectors comments are grouped by. "auto": MiniLM
    # embeddings when the `embeddings` extra is installed, else lexical (TF-IDF); "minilm";
    # "lexical".
    "FEEDBACK_THEMES_SPACE": os.environ.get("CAREFRONT_FEEDBACK_THEMES_SPACE", "auto"),
    # API rate limits (docs/api.md): per token (or per agent for session calls) for reads and
    # writes, and per client IP for calls that fail authentication. "COUNT/PERIOD" or "off".
    "API_RATE_LIMITS": {
        "read": os.environ.get("CAREFRONT_API_RATE_READ", "600/min"),
        "write": os.environ.get("CAREFRONT_API_RATE_WRITE", "120/min"),
        "failed_auth": os.environ.get("CAREFRONT_API_RATE_FAILED_AUTH", "60/min"),
        # The chat widget (docs/chat.md): calls and socket frames per visitor and per client
        # IP, and new visitor sessions per IP.
        "chat_visitor": os.environ.get("CAREFRONT_CHAT_RATE_VISITOR", "120/min"),
        "chat_ip": os.environ.get("CAREFRONT_CHAT_RATE_IP", "1200/min"),
        "chat_session": os.environ.get("CAREFRONT_CHAT_RATE_SESSION", "30/min"),
    },
    # Threads per web process for the synchronous part of requests (carefront/core/asgi.py).
    "ASGI_THREADS": int(os.environ.get("CAREFRONT_ASGI_THREADS", "4")),
    # How many reverse proxies stand in front (their X-Forwarded-For is trusted), for per-IP limits.
    "API_TRUSTED_PROXIES": int(os.environ.get("CAREFRONT_API_TRUSTED_PROXIES", "0")),
}

# Webhooks (docs/webhooks.md). Private, loopback and link-local receivers are refused unless this is
# true: a webhook URL must not become a way to reach the servers behind Carefront (SSRF).
CAREFRONT_WEBHOOKS_ALLOW_PRIVATE = os.environ.get("CAREFRONT_WEBHOOKS_ALLOW_PRIVATE", "") == "1"
CAREFRONT_WEBHOOKS_MAX_ATTEMPTS = 8
CAREFRONT_WEBHOOKS_PAUSE_AFTER_FAILURES = 10
CAREFRONT_WEBHOOKS_TIMEOUT_SECONDS = 10
CAREFRONT_WEBHOOKS_MAX_RESPONSE_BYTES = 4096
CAREFRONT_WEBHOOKS_KEEP_DAYS = 30
# How long a process trusts its list of active subscriptions (others' changes show after this).
CAREFRONT_WEBHOOKS_SUBSCRIPTION_CACHE_SECONDS = 10

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "carefront": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}

# Where generation numbers of cached reads live when the cache is this process's memory (no
# Redis): one small file each, seen by every process on the machine (core/generations.py).
CAREFRONT_GENERATIONS_DIR = Path(
    os.environ.get("CAREFRONT_GENERATIONS_DIR", VAR_DIR / "generations")
)
