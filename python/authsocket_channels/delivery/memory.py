"""Delivery sessions in this process: for one worker (a restarted one answers `resync`).

The newest `DELIVERY_MAX_SESSIONS` sessions, each replaying at most `DELIVERY_RESUME_BUFFER`
messages and `DELIVERY_RESUME_CHARS` characters. Every step runs with no await inside it, so no
other socket's code runs in the middle of one.
"""

from __future__ import annotations

import logging
import secrets
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any, Deque, List, Optional, Tuple

from ..settings import authsocket_settings
from .store import Commit, SessionKey, SessionStore, frame_parts

if TYPE_CHECKING:
    from .mixin import DeliveryMixin

logger = logging.getLogger("authsocket_channels")


class MemorySession:
    """A session's state: the last `seq` delivered, the messages numbered and kept."""

    def __init__(self) -> None:
        self.delivered = 0
        self.sent = 0  # the newest offset numbered
        self.buffer: Deque[Tuple[int, str]] = deque()  # (offset, text), oldest first
        self.chars = 0
        self.resume = False
        self.consumer: Optional["DeliveryMixin"] = None  # its live socket, if any


class MemoryStore(SessionStore):
    def __init__(self) -> None:
        # This process's stream: offsets from another epoch (before a restart) cannot be replayed.
        self.stream = secrets.token_hex(4)
        self.sessions: "OrderedDict[SessionKey, MemorySession]" = OrderedDict()

    def session(self, key: SessionKey) -> MemorySession:
        """The session `key`, made if new (the oldest dropped past `DELIVERY_MAX_SESSIONS`)."""
        session = self.sessions.get(key)
        if session is None:
            if len(self.sessions) >= authsocket_settings.DELIVERY_MAX_SESSIONS:
                self.sessions.popitem(last=False)
            session = self.sessions[key] = MemorySession()
        return session

    async def epoch(self) -> str:
        return self.stream

    async def open(self, key: SessionKey, resume: bool) -> None:
        self.session(key).resume = resume

    async def delivered(self, key: SessionKey) -> int:
        return self.session(key).delivered

    async def commit(self, key: SessionKey, seq: int, contents: List[Any]) -> Commit:
        session = self.session(key)
        if seq:
            if seq <= session.delivered:
                return Commit(False, session.delivered, [])
            session.delivered = seq
        if not session.resume:
            return Commit(True, session.delivered, [])
        numbered: List[Tuple[int, str]] = []
        for content in contents:
            session.sent += 1
            before, after = frame_parts(self.stream, content)
            text = before + str(session.sent) + after
            session.buffer.append((session.sent, text))
            session.chars += len(text)
            numbered.append((session.sent, text))
        while (
            len(session.buffer) > authsocket_settings.DELIVERY_RESUME_BUFFER
            or session.chars > authsocket_settings.DELIVERY_RESUME_CHARS
        ):
            session.chars -= len(session.buffer.popleft()[1])
        return Commit(True, session.delivered, numbered)

    async def after(self, key: SessionKey, offset: int) -> Optional[Tuple[int, List[str]]]:
        session = self.session(key)
        oldest = session.buffer[0][0] if session.buffer else session.sent + 1
        if offset < oldest - 1 or offset > session.sent:
            return None
        return session.sent, [text for number, text in session.buffer if number > offset]

    async def newest(self, key: SessionKey) -> int:
        return self.session(key).sent

    async def attach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        self.session(key).consumer = consumer

    async def detach(self, key: SessionKey, consumer: "DeliveryMixin") -> None:
        session = self.sessions.get(key)
        if session is not None and session.consumer is consumer:
            session.consumer = None

    async def notify(self, key: SessionKey, offset: int, text: str) -> None:
        consumer = self.session(key).consumer
        if consumer is None:
            return  # kept for the replay
        try:
            await consumer.relay(offset, text)
        except Exception:  # the socket is closing: the buffer keeps the message for the replay
            logger.debug("authsocket: a live send to a closing socket was dropped")

    async def send_live(self, key: SessionKey, text: str) -> None:
        consumer = self.session(key).consumer
        if consumer is None:
            return
        try:
            await consumer.send(text_data=text)
        except Exception:  # the socket is closing (daphne raises autobahn's Disconnected)
            logger.debug("authsocket: a live send to a closing socket was dropped")
