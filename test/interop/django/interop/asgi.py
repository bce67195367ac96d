import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "interop.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path, re_path  # noqa: E402

from authsocket_channels.middleware import AuthSocketMiddleware  # noqa: E402
from authsocket_channels.middleware import AuthSocketMiddlewareStack  # noqa: E402

from . import consumers  # noqa: E402

# A channel-layer group name allows only ASCII letters, digits, hyphens and periods.
ROOM = r"(?P<room>[a-z0-9-]{1,40})"

websocket_urlpatterns = [
    path("ws/echo/", consumers.EchoConsumer.as_asgi()),
    path("ws/no-reauth/", consumers.NoReauthConsumer.as_asgi()),
    path("ws/session/", consumers.SessionConsumer.as_asgi()),
    path("ws/token/", consumers.EchoConsumer.as_asgi()),
    path("ws/jwt/", consumers.EchoConsumer.as_asgi()),
    path("ws/jwt-cookie/", consumers.CamelConsumer.as_asgi()),
    path("ws/ticket/", consumers.EchoConsumer.as_asgi()),
    path("ws/subprotocol/", consumers.EchoConsumer.as_asgi()),
    path("ws/rooms/<str:room>/", consumers.EchoConsumer.as_asgi()),
    path("ws/first/", consumers.FirstMessageConsumer.as_asgi()),
    path("ws/first/rooms/<str:room>/", consumers.FirstMessageConsumer.as_asgi()),
    path("ws/first/no-reauth/", consumers.FirstMessageNoReauthConsumer.as_asgi()),
    path("ws/delivery/", consumers.DeliveryConsumer.as_asgi()),
    path("ws/delivery-reconnect/", consumers.ReconnectDeliveryConsumer.as_asgi()),
    path("ws/stream/", consumers.StreamConsumer.as_asgi()),
    re_path(rf"^ws/group/{ROOM}/$", consumers.GroupConsumer.as_asgi()),
    # The same room for the query token and the ticket (scale tests and bench).
    re_path(rf"^ws/rooms-redis/{ROOM}/$", consumers.RoomConsumer.as_asgi()),
    re_path(rf"^ws/rooms-redis-ticket/{ROOM}/$", consumers.RoomConsumer.as_asgi()),
    # Plain Channels (no status frames) behind the package's middleware.
    path("ws/header/", consumers.PlainConsumer.as_asgi()),
    path("ws/plain/", consumers.PlainConsumer.as_asgi()),
    # Tickets kept in the file cache that the workers share, redeemed through delete()'s answer.
    path(
        "ws/ticket-files/",
        AuthSocketMiddleware(consumers.EchoConsumer.as_asgi(), ticket_cache="files"),
    ),
]


application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # Every credential of the client, the session cookie included; consumers check Origin.
        "websocket": AuthSocketMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)
