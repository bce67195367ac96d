"""authsocket's delivery extensions for `AuthSocketConsumer`: heartbeat, acknowledged sends, resume.

The frames are those of docs/PROTOCOL.md, section 7. Put the mixin first in the bases and send
what the client must not miss with `await self.send_message(content)`. The 200 frame then
announces all three, and `receive_json` gets each client message once, in order, however often
the client had to send it again.

Sessions live in this process (the newest `DELIVERY_MAX_SESSIONS`, each replaying at most
`DELIVERY_RESUME_BUFFER` messages and `DELIVERY_RESUME_CHARS` characters): a client that comes
back to another worker, or to a restarted one, is told `resync`, and the client tells its
application to reload.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import OrderedDict, deque
from typing import Any, Deque, Dict, Hashable, Optional, Tuple

from .frames import ack_frame, error_frame, message_frame, pong_frame, resync_frame
from .consumers import AuthSocketConsumer
from .settings import authsocket_settings

logger = logging.getLogger("authsocket_channels")

# This process's stream: offsets from another epoch (before a restart) cannot be replayed.
EPOCH = secrets.token_hex(4)
MAX_SESSION_ID = 64


class Session:
    """A client's session (it outlives the socket): the last `seq` delivered, the messages sent."""

    def __init__(self) -> None:
        self.delivered = 0
        self.sent = 0
        self.buffer: Deque[Tuple[int, str]] = deque()  # (offset, text), oldest first
        self.chars = 0
        self.resume = False
        self.consumer: Optional["DeliveryMixin"] = None  # the socket it is live on, if any
        self.claimant: Optional["DeliveryMixin"] = None  # the newest socket to open it

    async def push(self, content: Any) -> None:
        if not self.resume:  # acks only: nothing numbered, nothing kept
            await self.send_live(json.dumps(content))
            return
        self.sent += 1
        text = json.dumps(message_frame(EPOCH, self.sent, content))
        self.buffer.append((self.sent, text))
        self.chars += len(text)
        while (
            len(self.buffer) > authsocket_settings.DELIVERY_RESUME_BUFFER
            or self.chars > authsocket_settings.DELIVERY_RESUME_CHARS
        ):
            self.chars -= len(self.buffer.popleft()[1])
        await self.send_live(text)

    async def send_live(self, text: str) -> None:
        if self.consumer is None:
            return
        try:
            await self.consumer.send(text_data=text)
        except Exception:
            # The socket is closing and the consumer has not heard yet (daphne raises autobahn's
            # Disconnected): the buffer keeps the message for the replay.
            logger.debug("authsocket: a live send failed; the replay buffer keeps it")


SESSIONS: "OrderedDict[Tuple[Hashable, str], Session]" = OrderedDict()


def session_for(owner: Hashable, sid: str) -> Session:
    """The session `sid` of user `owner`: another user presenting the same id gets another one."""
    key = (owner, sid)
    session = SESSIONS.get(key)
    if session is None:
        if len(SESSIONS) >= authsocket_settings.DELIVERY_MAX_SESSIONS:
            SESSIONS.popitem(last=False)
        session = SESSIONS[key] = Session()
    return session


class DeliveryMixin(AuthSocketConsumer):
    """Heartbeat, acknowledged sends and resume for an `AuthSocketConsumer`."""

    #: What the 200 frame announces; `None` reads `AUTHSOCKET["HEARTBEAT"]`.
    heartbeat: Optional[Dict[str, int]] = None
    #: This client's session, once it sent its session frame.
    delivery: Optional[Session] = None

    def get_announcements(self) -> Dict[str, Any]:
        heartbeat = authsocket_settings.HEARTBEAT if self.heartbeat is None else self.heartbeat
        return {
            **super().get_announcements(),
            "heartbeat": heartbeat,
            "ack": True,
            "resume": {"epoch": EPOCH},
        }

    async def send_message(self, content: Any) -> None:
        """Sends an application message: numbered and kept for a replay when the client resumes."""
        if self.delivery is not None and self.delivery.resume:
            await self.delivery.push(content)
        else:
            await self.send_json(content)  # to this socket, even before a session frame

    async def receive_frame(self, content: Any, **kwargs: Any) -> None:
        action = content.get("action") if isinstance(content, dict) else None
        if action == "ping":
            await self.send_json(pong_frame())
        elif action == "session":
            await self.open_session(content)
        elif action == "message":
            await self.receive_numbered(content, **kwargs)
        else:
            await super().receive_frame(content, **kwargs)

    async def receive_numbered(self, content: Dict[str, Any], **kwargs: Any) -> None:
        seq = content.get("seq")
        if self.delivery is None:
            await self.send_json(error_frame("A message frame comes after a session frame"))
            return
        if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
            await self.send_json(error_frame("A message frame needs a whole number seq from 1"))
            return
        # A seq already delivered (sent again after a reconnect) is only acknowledged.
        if seq > self.delivery.delivered:
            self.delivery.delivered = seq
            await self.receive_json(content.get("data"), **kwargs)
        await self.send_json(ack_frame(self.delivery.delivered))

    async def open_session(self, content: Dict[str, Any]) -> None:
        sid = content.get("id")
        if not isinstance(sid, str) or not sid or len(sid) > MAX_SESSION_ID:
            detail = f"A session frame needs a string id of 1 to {MAX_SESSION_ID} characters"
            await self.send_json(error_frame(detail))
            return
        session = self.delivery = session_for(self.user.pk, sid)
        session.claimant = self
        session.resume = content.get("resume") is True
        offset = content.get("offset")
        if session.resume and isinstance(offset, int) and not isinstance(offset, bool):
            oldest = session.buffer[0][0] if session.buffer else session.sent + 1
            if content.get("epoch") != EPOCH or offset < oldest - 1 or offset > session.sent:
                await self.send_json(resync_frame(EPOCH))
            else:
                await self.replay(session, offset)
        # Another socket of this client may have opened the session during the awaits: it is the live one.
        if session.claimant is self:
            session.consumer = self

    async def replay(self, session: Session, offset: int) -> None:
        """Replays until caught up, then goes live: a message pushed during the replay's awaits
        is sent by the replay, never ahead of older ones."""
        while True:
            missed = [entry for entry in session.buffer if entry[0] > offset]
            if not missed:
                return
            for offset, text in missed:  # offset: the newest replayed so far
                await self.send(text_data=text)

    async def websocket_disconnect(self, message: Dict[str, Any]) -> None:
        if self.delivery is not None and self.delivery.consumer is self:
            self.delivery.consumer = None
        await super().websocket_disconnect(message)
