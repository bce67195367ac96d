"""A small Django Channels project for authsocket's interop tests. Not for production."""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "interop-tests-only-not-a-secret")
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_simplejwt.token_blacklist",
    "channels",
    "authsocket_channels",
    "interop",
]
AUTH_USER_MODEL = "interop.User"
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # The session ticket fetch (browser.spec.ts) sends the csrftoken cookie's token.
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
ROOT_URLCONF = "interop.urls"
ASGI_APPLICATION = "interop.asgi.application"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("INTEROP_DB", str(BASE_DIR / "interop.sqlite3")),
    }
}
# One process: memory. Several workers (INTEROP_REDIS=redis://...): Redis for both, so a ticket
# minted by one worker is redeemed by any, and a group spans them all. The pub/sub layer, not
# RedisChannelLayer: after a Redis restart the latter closed sockets on every worker with 1011
# and lost what clients sent meanwhile; the pub/sub layer's sockets lived through it (seen here
# with channels_redis 4.0.0, docs/django.md "Running Django Channels at scale").
REDIS = os.environ.get("INTEROP_REDIS")
# A second shared cache for tickets (ws/ticket-files/): files in the folder the workers share,
# redeemed through delete()'s answer rather than GETDEL.
FILES_CACHE = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(Path(DATABASES["default"]["NAME"]).parent / "tickets-cache"),
}
if REDIS:
    CACHES = {
        "default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": REDIS},
        "files": FILES_CACHE,
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS]},
        }
    }
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "files": FILES_CACHE,
    }
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
SESSION_COOKIE_SAMESITE = "Lax"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
REST_FRAMEWORK = {
    # SessionAuthentication first: DRF then answers 403, not 401, to "not logged in" (PROTOCOL.md 6).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}
# Rotation with blacklisting, simplejwt's recommended setting: a refresh token works once
# (authsocket_channels.rotation; many tabs sharing one, test/interop/django/tabs.spec.ts).
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "SIGNING_KEY": SECRET_KEY,
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
}
AUTHSOCKET = {"TICKET_TTL": 30}
if REDIS:
    # Delivery sessions where every worker reads them: a client may come back to any of them.
    AUTHSOCKET.update({"DELIVERY_STORE": "redis", "REDIS_URL": REDIS})
    # A room's log long enough for the scale bench's rooms (20 members sending for a minute).
    AUTHSOCKET["GROUP_LOG_SIZE"] = 10_000
else:
    # One worker: tickets in its memory are fine, so the check that warns about it is silenced.
    SILENCED_SYSTEM_CHECKS = ["authsocket.W001"]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"credentials": {"()": "authsocket_channels.redact.RedactCredentials"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["credentials"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
