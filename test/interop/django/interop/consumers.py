"""The example's consumers: each a few lines over authsocket_channels' AuthSocketConsumer."""

import asyncio
import os
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from authsocket_channels.consumers import AuthSocketConsumer, PermissionDenied
from authsocket_channels.delivery import DeliveryMixin

# Which of several workers this is (test/interop/django/cluster.ts names them), for the tests.
WORKER = os.environ.get("INTEROP_WORKER", str(os.getpid()))


class EchoConsumer(AuthSocketConsumer):
    """Echoes every frame back; in `ws/rooms/<room>/`, bob may not join `staff`."""

    async def has_permission(self, user: Any) -> bool:
        room = self.scope["url_route"]["kwargs"].get("room")
        if room == "staff" and user.username == "bob":
            raise PermissionDenied("You may not join this room")
        return True

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_message({"type": "echo", "data": content})


class SessionConsumer(EchoConsumer):
    # As DRF with SessionAuthentication first: "not logged in" is a 403.
    unauthenticated_status = 403


class CamelConsumer(EchoConsumer):
    camel_case = True


class NoReauthConsumer(EchoConsumer):
    """No in-band re-authentication: the client refreshes by reconnecting."""

    reauth = False


class FirstMessageConsumer(EchoConsumer):
    first_message = True


class FirstMessageNoReauthConsumer(FirstMessageConsumer):
    reauth = False


class DeliveryConsumer(DeliveryMixin, EchoConsumer):
    """Heartbeat, acknowledged sends and resume. Test hooks, as application messages:
    `{"type": "freeze", "ms": N}` stops reading for N ms (frames wait, pings too);
    `{"type": "stream", "count": N, "every": ms}` sends N numbered `{"type": "tick", "n"}` to this
    client's session, connected or not."""

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "freeze":
            await asyncio.sleep(min(float(content.get("ms", 0)), 30000) / 1000)
        elif kind == "stream" and self.delivery is not None:
            count = min(int(content.get("count", 0)), 10000)
            asyncio.ensure_future(
                stream(self.delivery, count, float(content.get("every", 10)) / 1000)
            )
        else:
            await super().receive_json(content, **kwargs)


class StreamConsumer(DeliveryConsumer):
    """The persistent outbox's tests (test/interop/django/persist.spec.ts): numbered `{"stream",
    "n"}` messages must reach the application 1, 2, 3 ... with no gap or repeat (STREAMS counts);
    the test hooks in views.py refuse new sockets (PAUSED), close the live ones (LIVE), and
    acknowledge late (ACK_DELAY seconds: a slow server).
    """

    async def send_json(self, content: Any, close: bool = False) -> None:
        if ACK_DELAY[0] and isinstance(content, dict) and content.get("action") == "ack":
            asyncio.ensure_future(self.send_late(content, ACK_DELAY[0]))
            return
        await super().send_json(content, close)

    async def send_late(self, content: Any, seconds: float) -> None:
        await asyncio.sleep(seconds)
        if self in LIVE:  # a socket closed meanwhile gets nothing
            await super().send_json(content)

    async def connect(self) -> None:
        if PAUSED[0]:
            await self.close()  # before accept(): daphne answers 403, the client retries
            return
        await super().connect()

    async def authenticated(self) -> None:
        await super().authenticated()
        LIVE.add(self)

    async def websocket_disconnect(self, message: dict) -> None:
        LIVE.discard(self)
        await super().websocket_disconnect(message)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        stream = content.get("stream") if isinstance(content, dict) else None
        n = content.get("n") if isinstance(content, dict) else None
        if isinstance(stream, str) and isinstance(n, int):
            counts = STREAMS.setdefault(stream, {"last": 0, "received": 0, "errors": []})
            if n != counts["last"] + 1 and len(counts["errors"]) < 100:
                counts["errors"].append(f"expected {counts['last'] + 1}, got {n}")
            counts["last"] = max(counts["last"], n)
            counts["received"] += 1
        await super().receive_json(content, **kwargs)


#: Per stream name: the last n, how many arrived, and each gap or repeat (StreamConsumer).
STREAMS: dict = {}
#: The StreamConsumers with an authenticated socket, for the test hook that closes them.
LIVE: set = set()
#: Whether StreamConsumer refuses new sockets (a list: module state the views change).
PAUSED = [False]
#: Seconds StreamConsumer holds each ack back (0: none).
ACK_DELAY = [0.0]


class ReconnectDeliveryConsumer(DeliveryConsumer):
    """No in-band re-authentication: the client refreshes by reconnecting, and resume covers the gap."""

    reauth = False


async def stream(session: Any, count: int, every: float) -> None:
    for n in range(1, count + 1):
        await asyncio.sleep(every)
        await session.push({"type": "tick", "n": n})


class GroupConsumer(EchoConsumer):
    """A room as a channel-layer group: its members may sit on different workers, and what one
    sends every member gets, each copy saying which worker it came through."""

    async def authenticated(self) -> None:
        self.group = f"room.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)

    def get_announcements(self) -> dict:
        return {"worker": WORKER}

    async def disconnect(self, code: int) -> None:
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        message = {"type": "room.message", "data": content, "worker": WORKER}
        await self.channel_layer.group_send(self.group, message)

    async def room_message(self, event: dict) -> None:
        reply = {"type": "room", "data": event["data"], "worker": event["worker"], "at": WORKER}
        await self.send_message(reply)


class PlainConsumer(AsyncJsonWebsocketConsumer):
    """Plain Channels, without the package's consumer: refuse by closing before accept() (daphne
    answers HTTP 403), no status frames. The client's `confirm: 'open'` is for apps like this."""

    async def connect(self) -> None:
        if not self.scope["user"].is_authenticated:
            await self.close()
            return
        await self.accept()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.send_json({"type": "echo", "data": content})


class RoomConsumer(DeliveryMixin, EchoConsumer):
    """`ws/rooms-redis/<room>/`: what a member sends (numbered, acknowledged), every member gets
    once and in order (numbered, resumable), on whichever worker each of them is, also what was
    sent while it was away (the package's group streams: `get_followed_groups`, `group_publish`)."""

    # A worker that hangs is found within 10 s, and its members move (the scale bench freezes one).
    heartbeat = {"interval": 5000, "timeout": 5000}

    def get_followed_groups(self) -> list:
        return [f"room.{self.scope['url_route']['kwargs']['room']}"]

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        await self.group_publish(self.get_followed_groups()[0], content)

    def get_user_data(self, user: Any) -> dict:
        return {**super().get_user_data(user), "worker": WORKER}  # which worker, for the tests
