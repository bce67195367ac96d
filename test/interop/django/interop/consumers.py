"""Consumers for each server pattern authsocket meets in Django Channels apps."""
import asyncio
import os
import time

from channels.generic.websocket import AsyncJsonWebsocketConsumer

from .delivery import DeliveryMixin
from .middleware import user_for_drf_token, user_for_jwt

TEXT = {200: "OK", 401: "Unauthorized", 403: "Forbidden"}
# Which of several workers this is (test/interop/django/cluster.ts names them), for the tests.
WORKER = os.environ.get("INTEROP_WORKER", str(os.getpid()))


def status_frame(code, detail, camel=False, **data):
    """Chanx's authentication frame; `camel` mimics Chanx with CAMELIZE on."""
    data = {"detail": detail, **data}
    if camel:
        data = {
            "".join(w.capitalize() if i else w for i, w in enumerate(k.split("_"))): v
            for k, v in data.items()
        }
        payload = {"statusCode": code, "statusText": TEXT[code], "data": data}
    else:
        payload = {"status_code": code, "status_text": TEXT[code], "data": data}
    return {"action": "authentication", "payload": payload}


class ChanxConsumer(AsyncJsonWebsocketConsumer):
    """Chanx-style: accept, send a status frame, and on failure close with no code (clients see 1000)."""

    camel = False
    anonymous_status = 401
    anonymous_detail = "Invalid token."
    reauth = False

    async def connect(self):
        await self.accept()
        self.user = self.scope["user"]
        if not self.user.is_authenticated:
            await self.refuse(self.anonymous_status, self.anonymous_detail)
            return
        if not self.has_permission(self.user):
            await self.refuse(403, "You may not join this room")
            return
        await self.confirm(self.scope.get("token_exp"))

    def has_permission(self, user):
        return True

    async def refuse(self, code, detail, close_code=None):
        await self.send_json(status_frame(code, detail, self.camel))
        await self.close(code=close_code)

    async def confirm(self, exp):
        data = {
            "user": {"name": self.user.username},
            "server_time": int(time.time() * 1000),
            "reauth": self.reauth,
        }
        if exp:
            data["expires_at"] = exp
        await self.send_json(status_frame(200, "OK", self.camel, **data, **self.announcements()))

    def announcements(self):
        """The extensions this consumer serves (docs/PROTOCOL.md section 7): none."""
        return {}

    async def send_message(self, content):
        await self.send_json(content)

    async def receive_json(self, content, **kwargs):
        await self.send_message({"type": "echo", "data": content})


class SessionConsumer(ChanxConsumer):
    # DRF with SessionAuthentication first answers 403 to "not logged in".
    anonymous_status = 403
    anonymous_detail = "Authentication credentials were not provided."


class TokenQueryConsumer(ChanxConsumer):
    pass


class TicketConsumer(ChanxConsumer):
    anonymous_detail = "Invalid, expired or already used ticket."


class JwtCookieConsumer(ChanxConsumer):
    camel = True


class JwtConsumer(ChanxConsumer):
    """JWT in the query string; expiry enforced while connected; in-band re-authentication; room permissions."""

    reauth = True
    expiry = None

    def has_permission(self, user):
        room = self.scope["url_route"]["kwargs"].get("room")
        return not (room == "staff" and user.username == "bob")

    async def confirm(self, exp):
        await super().confirm(exp)
        if self.expiry:
            self.expiry.cancel()
        self.expiry = asyncio.ensure_future(self.expire_at(exp))

    async def expire_at(self, exp):
        await asyncio.sleep(max(0, exp - time.time()))
        await self.send_json(status_frame(401, "Token expired"))
        await self.close(code=4001)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("action") == "authenticate":
            raw = (content.get("payload") or {}).get("token")
            user, exp = await user_for_jwt(raw) if isinstance(raw, str) else (None, None)
            if user is not None and user.is_authenticated and user.id == self.user.id:
                await self.confirm(exp)
            else:
                await self.refuse(401, "Invalid token.", close_code=4001)
            return
        await super().receive_json(content, **kwargs)

    async def disconnect(self, code):
        if self.expiry:
            self.expiry.cancel()


class FirstMessageConsumer(AsyncJsonWebsocketConsumer):
    """The seed's first-message pattern: `{"token": "<DRF token>"}` first, within 5 s; nothing else counts before."""

    user = None

    async def connect(self):
        await self.accept()
        self.timeout = asyncio.ensure_future(self.close_if_silent())

    async def close_if_silent(self):
        await asyncio.sleep(5)
        if self.user is None:
            await self.close(code=4008)

    async def receive_json(self, content, **kwargs):
        if self.user is None:
            key = content.get("token") if isinstance(content, dict) else None
            user = await user_for_drf_token(key) if isinstance(key, str) else None
            if user is None or not user.is_authenticated:
                await self.close(code=4001)
                return
            self.user = user
            self.timeout.cancel()
            await self.send_json(
                status_frame(
                    200, "OK", user={"name": user.username}, server_time=int(time.time() * 1000)
                )
            )
            return
        await self.send_json({"type": "echo", "data": content})

    async def disconnect(self, code):
        self.timeout.cancel()


class PlainConsumer(AsyncJsonWebsocketConsumer):
    """Plain Channels: refuse by closing before accept() (daphne answers HTTP 403); no status frames."""

    async def connect(self):
        if not self.scope["user"].is_authenticated:
            await self.close()
            return
        await self.accept()

    async def receive_json(self, content, **kwargs):
        await self.send_json({"type": "echo", "data": content})


class DeliveryConsumer(DeliveryMixin, JwtConsumer):
    """The JWT consumer with heartbeat, acknowledged sends and resume; `reauth` as the route says.

    Test hooks, as application messages: `{"type": "freeze", "ms": N}` stops reading for N ms
    (frames wait, pings too); `{"type": "stream", "count": N, "every": ms}` sends N numbered
    `{"type": "tick", "n"}` to this client's session, connected or not.
    """

    def announcements(self):
        return self.delivery_announcement(self.user)

    async def receive_json(self, content, **kwargs):
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "freeze":
            await asyncio.sleep(min(float(content.get("ms", 0)), 30000) / 1000)
        elif kind == "stream" and self.delivery is not None:
            asyncio.ensure_future(
                stream(
                    self.delivery,
                    min(int(content.get("count", 0)), 10000),
                    float(content.get("every", 10)) / 1000,
                )
            )
        else:
            await super().receive_json(content, **kwargs)


class ReconnectDeliveryConsumer(DeliveryConsumer):
    """No in-band re-authentication: the client refreshes by reconnecting, and resume covers the gap."""

    reauth = False


async def stream(session, count, every):
    for n in range(1, count + 1):
        await asyncio.sleep(every)
        await session.push({"type": "tick", "n": n})


class GroupConsumer(JwtConsumer):
    """A room as a channel-layer group: its members may sit on different workers, and what one
    sends every member gets, each copy saying which worker it came through."""

    async def confirm(self, exp):
        self.group = f"room.{self.scope['url_route']['kwargs']['room']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await super().confirm(exp)

    def announcements(self):
        return {"worker": WORKER}

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        await self.channel_layer.group_send(
            self.group, {"type": "room.message", "data": content, "worker": WORKER}
        )

    async def room_message(self, event):
        await self.send_message(
            {"type": "room", "data": event["data"], "worker": event["worker"], "at": WORKER}
        )
