import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interop.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from . import consumers  # noqa: E402
from .middleware import (  # noqa: E402
    DrfTokenHeaderMiddleware,
    DrfTokenQueryMiddleware,
    JwtCookieMiddleware,
    JwtQueryMiddleware,
    TicketMiddleware,
)

websocket_urlpatterns = [
    path("ws/session/", AuthMiddlewareStack(consumers.SessionConsumer.as_asgi())),
    path("ws/token/", DrfTokenQueryMiddleware(consumers.TokenQueryConsumer.as_asgi())),
    path("ws/header/", DrfTokenHeaderMiddleware(consumers.PlainConsumer.as_asgi())),
    path("ws/plain/", DrfTokenQueryMiddleware(consumers.PlainConsumer.as_asgi())),
    path("ws/jwt-cookie/", JwtCookieMiddleware(consumers.JwtCookieConsumer.as_asgi())),
    path("ws/jwt/", JwtQueryMiddleware(consumers.JwtConsumer.as_asgi())),
    path("ws/rooms/<str:room>/", JwtQueryMiddleware(consumers.JwtConsumer.as_asgi())),
    path("ws/first/", consumers.FirstMessageConsumer.as_asgi()),
    path("ws/delivery/", JwtQueryMiddleware(consumers.DeliveryConsumer.as_asgi())),
    path(
        "ws/delivery-reconnect/", JwtQueryMiddleware(consumers.ReconnectDeliveryConsumer.as_asgi())
    ),
    path("ws/ticket/", TicketMiddleware(consumers.TicketConsumer.as_asgi())),
    # A channel-layer group name allows only ASCII letters, digits, hyphens and periods.
    re_path(
        r"^ws/group/(?P<room>[a-z0-9-]{1,40})/$",
        JwtQueryMiddleware(consumers.GroupConsumer.as_asgi()),
    ),
]

if settings.REDIS:  # several workers (test/interop/django/cluster.ts)
    from . import rooms  # noqa: E402

    websocket_urlpatterns += [
        re_path(
            r"^ws/rooms-redis/(?P<room>[a-z0-9-]{1,40})/$",
            JwtQueryMiddleware(rooms.RoomConsumer.as_asgi()),
        ),
        re_path(
            r"^ws/rooms-redis-ticket/(?P<room>[a-z0-9-]{1,40})/$",
            TicketMiddleware(rooms.RoomConsumer.as_asgi()),
        ),
    ]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Refuses upgrades whose Origin is not in ALLOWED_HOSTS (and those with no Origin).
        "websocket": AllowedHostsOriginValidator(URLRouter(websocket_urlpatterns)),
    }
)
