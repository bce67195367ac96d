"""Delivery sessions in this process: for one worker (a restarted one answers `resync`).

The newest `DELIVERY_MAX_SESSIONS` sessions, each replaying at most `DELIVERY_RESUME_BUFFER`
messages and `DELIVERY_RESUME_CHARS` characters. Every step runs with no await inside it, so no
other socket's code runs in the middle of one.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Any, Deque, Dict, List, Optional, Tuple

from ..settings import authsocket_settings
from .store import Commit, Pull, SessionKey, SessionStore, frame_after, frame_before

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
        self.groups: Dict[str, int] = {}  # group -> the group offset copied into this session


class MemoryGroup:
    """A group's log: its messages' JSON texts, numbered by one counter, the newest kept."""

    def __init__(self) -> None:
        self.offset = 0
        self.log: Deque[Tuple[int, str]] = deque()


class MemoryStore(SessionStore):
    def __init__(self) -> None:
        # This process's stream: offsets from another epoch (before a restart) cannot be replayed.
        self.stream = secrets.token_hex(4)
        self.sessions: "OrderedDict[SessionKey, MemorySession]" = OrderedDict()
        self.groups: Dict[str, MemoryGroup] = {}

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

    def group(self, name: str) -> MemoryGroup:
        group = self.groups.get(name)
        if group is None:
            group = self.groups[name] = MemoryGroup()
        return group

    def append(self, session: MemorySession, data: List[str]) -> List[Tuple[int, str]]:
        """Numbers and keeps messages (their JSON texts) in a resuming session's stream."""
        numbered: List[Tuple[int, str]] = []
        for text in data:
            session.sent += 1
            frame = frame_before(self.stream) + str(session.sent) + frame_after(text)
            session.buffer.append((session.sent, frame))
            session.chars += len(frame)
            numbered.append((session.sent, frame))
        while (
            len(session.buffer) > authsocket_settings.DELIVERY_RESUME_BUFFER
            or session.chars > authsocket_settings.DELIVERY_RESUME_CHARS
        ):
            session.chars -= len(session.buffer.popleft()[1])
        return numbered

    def publish_now(self, name: str, contents: List[Any]) -> int:
        group = self.group(name)
        for content in contents:
            group.offset += 1
            group.log.append((group.offset, json.dumps(content)))
        while len(group.log) > authsocket_settings.GROUP_LOG_SIZE:
            group.log.popleft()
        return group.offset

    async def commit(
        self,
        key: SessionKey,
        seq: int,
        contents: List[Any],
        published: Optional[Dict[str, List[Any]]] = None,
    ) -> Commit:
        session = self.session(key)
        if seq:
            if seq <= session.delivered:
                return Commit(False, session.delivered, [])
            session.delivered = seq
        groups = {
            name: self.publish_now(name, messages) for name, messages in (published or {}).items()
        }
        if not session.resume:
            return Commit(True, session.delivered, [], groups)
        numbered = self.append(session, [json.dumps(c) for c in contents])
        return Commit(True, session.delivered, numbered, groups)

    async def follow(self, key: SessionKey, group: str) -> None:
        self.session(key).groups.setdefault(group, self.group(group).offset)

    async def publish(self, group: str, contents: List[Any]) -> int:
        return self.publish_now(group, contents)

    async def pull(self, key: SessionKey, group: str) -> Pull:
        session = self.session(key)
        have = session.groups.get(group)
        if have is None:
            return Pull(False, [], [])
        log = self.group(group)
        oldest = log.log[0][0] if log.log else log.offset + 1
        resync = have < oldest - 1
        data = [] if resync else [text for offset, text in log.log if offset > have]
        session.groups[group] = log.offset
        if not session.resume:
            return Pull(resync, [], data, log.offset)
        return Pull(resync, self.append(session, data), [], log.offset)

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

    async def notify(self, key: SessionKey, frames: List[Tuple[int, str]]) -> None:
        consumer = self.session(key).consumer
        if consumer is None:
            return  # kept for the replay
        try:
            await consumer.relay(frames)
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
