"""authsocket's delivery extensions for a Channels consumer: heartbeat, acknowledged sends, resume.

The frames are those of authsocket's docs/PROTOCOL.md, section 7. Put the mixin first in the
bases, put `**self.delivery_announcement(user)` in the 200 status frame, and send what the
client must not miss with `await self.send_message(content)`. `receive_json` then gets each
client message once, in order, however often the client had to send it again.

Sessions live in this process (the newest MAX_SESSIONS, each replaying at most RESUME_BUFFER
messages and RESUME_CHARS characters): a restarted worker answers `resync`, and the client
tells its application to reload.
"""
import json
import secrets
from collections import OrderedDict, deque

from channels.generic.websocket import AsyncJsonWebsocketConsumer

MAX_SESSIONS = 1000
RESUME_BUFFER = 1000
RESUME_CHARS = 256 * 1024
# This process's stream: offsets from another epoch (before a restart) cannot be replayed.
EPOCH = secrets.token_hex(4)


class Session:
    """A client's session (it outlives the socket): the last `seq` delivered, the messages sent."""

    def __init__(self):
        self.delivered = 0
        self.sent = 0
        self.buffer = deque()  # (offset, text), oldest first
        self.chars = 0
        self.resume = False
        self.consumer = None  # the socket it is live on, if any
        self.claimant = None  # the newest socket to open it (it may still be replaying)

    async def push(self, content):
        if not self.resume:  # acks only: nothing numbered, nothing kept
            return await self.send_live(json.dumps(content))
        self.sent += 1
        text = json.dumps(
            {"action": "message", "epoch": EPOCH, "offset": self.sent, "data": content}
        )
        self.buffer.append((self.sent, text))
        self.chars += len(text)
        while len(self.buffer) > RESUME_BUFFER or self.chars > RESUME_CHARS:
            self.chars -= len(self.buffer.popleft()[1])
        await self.send_live(text)

    async def send_live(self, text):
        if self.consumer is None:
            return
        try:
            await self.consumer.send(text_data=text)
        except Exception:
            # The socket is closing and the consumer has not heard yet (daphne raises autobahn's
            # Disconnected): the buffer keeps the message for the replay.
            pass


SESSIONS = OrderedDict()  # (user pk, session id) -> Session


def session_for(owner, sid):
    key = (owner, sid)
    session = SESSIONS.get(key)
    if session is None:
        if len(SESSIONS) >= MAX_SESSIONS:
            SESSIONS.popitem(last=False)
        session = SESSIONS[key] = Session()
    return session


class DeliveryMixin(AsyncJsonWebsocketConsumer):
    heartbeat = {"interval": 25000, "timeout": 10000}
    delivery = None  # this client's Session, once it sent its session frame
    owner = None  # the user the 200 frame was sent for

    def delivery_announcement(self, user):
        """What the 200 frame announces; from now on the extensions' frames are served for `user`."""
        self.owner = user.pk
        return {"heartbeat": self.heartbeat, "ack": True, "resume": {"epoch": EPOCH}}

    async def send_message(self, content):
        """Sends an application message: numbered and kept for a replay when the client resumes."""
        if self.delivery is not None and self.delivery.resume:
            await self.delivery.push(content)
        else:
            await self.send_json(content)  # to this socket, even before a session frame

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            return await super().receive(text_data, bytes_data, **kwargs)
        try:
            content = await self.decode_json(text_data)
        except ValueError:
            return await self.send_json({"type": "error", "detail": "Frames must be JSON"})
        action = content.get("action") if isinstance(content, dict) else None
        if self.owner is None or action not in ("ping", "session", "message"):
            return await self.receive_json(content, **kwargs)
        if action == "ping":
            await self.send_json({"action": "pong"})
        elif action == "session":
            await self.open_session(content)
        elif self.delivery is not None and isinstance(content.get("seq"), int):
            await self.receive_numbered(content["seq"], content.get("data"), **kwargs)

    async def receive_numbered(self, seq, data, **kwargs):
        # A seq already delivered (sent again after a reconnect) is only acknowledged.
        if seq > self.delivery.delivered:
            self.delivery.delivered = seq
            await self.receive_json(data, **kwargs)
        await self.send_json({"action": "ack", "seq": self.delivery.delivered})

    async def open_session(self, content):
        sid = content.get("id")
        if not isinstance(sid, str) or len(sid) > 64:
            return
        session = self.delivery = session_for(self.owner, sid)
        session.claimant = self
        session.resume = content.get("resume") is True
        offset = content.get("offset")
        if session.resume and isinstance(offset, int):
            oldest = session.buffer[0][0] if session.buffer else session.sent + 1
            if content.get("epoch") != EPOCH or offset < oldest - 1 or offset > session.sent:
                await self.send_json({"action": "resync", "epoch": EPOCH})
            else:
                # Replay until caught up, then go live: a message pushed during the replay's
                # awaits is sent by the replay, never ahead of older ones.
                while True:
                    missed = [entry for entry in session.buffer if entry[0] > offset]
                    if not missed:
                        break
                    for offset, text in missed:  # offset: the newest replayed so far
                        await self.send(text_data=text)
        # Another socket of this client may have opened the session during the awaits: it is the live one.
        if session.claimant is self:
            session.consumer = self

    async def disconnect(self, code):
        if self.delivery is not None and self.delivery.consumer is self:
            self.delivery.consumer = None
        await super().disconnect(code)
