"""The ASGI application the tests drive with Channels' WebsocketCommunicator."""

import time
from typing import Any, Optional, Tuple

from django.contrib.auth import get_user_model
from django.core import signing

from channels.routing import URLRouter
from django.urls import path, re_path

from authsocket_channels.consumers import AuthSocketConsumer, PermissionDenied
from authsocket_channels.delivery import DeliveryMixin
from authsocket_channels.middleware import AuthSocketMiddleware, AuthSocketMiddlewareStack


def signed_token(token: str) -> Optional[Tuple[Any, float]]:
    """A custom authenticator: `signing.dumps({"user": str(pk), "exp": unix_s}, salt="ws")`."""
    try:
        claims = signing.loads(token, salt="ws")
    except signing.BadSignature:
        return None
    if claims["exp"] < time.time():
        return None
    user = get_user_model().objects.filter(pk=claims["user"], is_active=True).first()
    return (user, claims["exp"]) if user else None


class EchoConsumer(AuthSocketConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("type") == "leave":  # the tests' worker going down for a deploy
            await self.close_and_retry_after(5, jitter=5)
            return
        await self.send_message({"type": "echo", "data": content})


class RoomConsumer(EchoConsumer):
    async def has_permission(self, user: Any) -> bool:
        if self.scope["url_route"]["kwargs"]["room"] == "staff" and not user.is_staff:
            raise PermissionDenied("You may not join this room")
        return self.scope["url_route"]["kwargs"]["room"] != "closed"


class FirstMessageConsumer(EchoConsumer):
    first_message = True


class NoReauthConsumer(EchoConsumer):
    reauth = False


#: Makes the next message's handling raise, as a worker killed there: `{"at": "before" or "after"}`
#: the application sends its reply.
CRASH: dict = {"at": None}


class DeliveryConsumer(DeliveryMixin, EchoConsumer):
    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        at, CRASH["at"] = CRASH["at"], None
        if at == "before":
            raise RuntimeError("the worker died here")
        await super().receive_json(content, **kwargs)
        if at == "after":
            raise RuntimeError("the worker died here")


class RoomStreamConsumer(DeliveryMixin, EchoConsumer):
    """A room whose members each get every message once, in order, also what was sent while they
    were away (`ws/stream/<room>/`)."""

    def get_followed_groups(self) -> Any:
        return [f"room.{self.scope['url_route']['kwargs']['room']}"]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        at, CRASH["at"] = CRASH["at"], None
        group = self.get_followed_groups()[0]
        await self.group_publish(group, {"from": self.user.get_username(), "n": content["n"]})
        if at == "after":
            raise RuntimeError("the worker died here")


class LobbyConsumer(EchoConsumer):
    """Members of `lobby` once admitted; what one sends, every member gets."""

    authenticated_groups = ["lobby"]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.channel_layer.group_send("lobby", {"type": "lobby.message", "data": content})

    async def lobby_message(self, event: Any) -> None:
        await self.send_message({"type": "lobby", "data": event["data"]})


application = AuthSocketMiddlewareStack(
    URLRouter(
        [
            path("ws/echo/", EchoConsumer.as_asgi()),
            path("ws/no-reauth/", NoReauthConsumer.as_asgi()),
            re_path(r"^ws/rooms/(?P<room>[a-z]+)/$", RoomConsumer.as_asgi()),
            path("ws/first/", FirstMessageConsumer.as_asgi()),
            path("ws/delivery/", DeliveryConsumer.as_asgi()),
            path("ws/lobby/", LobbyConsumer.as_asgi()),
            re_path(r"^ws/stream/(?P<room>[a-z]+)/$", RoomStreamConsumer.as_asgi()),
            path(
                "ws/tickets-only/",
                AuthSocketMiddleware(EchoConsumer.as_asgi(), credentials=["ticket"]),
            ),
            path(
                "ws/signed/",
                AuthSocketMiddleware(EchoConsumer.as_asgi(), authenticators=[signed_token]),
            ),
        ]
    )
)
