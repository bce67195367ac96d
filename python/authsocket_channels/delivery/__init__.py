"""Heartbeat, acknowledged sends and resume: `DeliveryMixin`, and the stores its sessions live in."""

from .memory import MemoryStore
from .mixin import DeliveryMixin, DeliverySession
from .store import SessionKey, SessionStore, get_store

__all__ = [
    "DeliveryMixin",
    "DeliverySession",
    "MemoryStore",
    "SessionKey",
    "SessionStore",
    "get_store",
]
