"""Per-user state of the editor, in memory only.

Each opened clip starts a session under a random id (``secrets.token_urlsafe``) that only
its page knows; every request names its session, so concurrent users never see each
other's audio. The store holds at most ``Limits.max_sessions`` sessions and drops the least
recently used one beyond that, and any session idle longer than ``Limits.idle_seconds``.
Nothing is written to disk.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from ..editing import EditRequest
from .views import ClipView

# token_urlsafe(18): 24 characters of [A-Za-z0-9_-], 144 random bits.
SESSION_ID_BYTES = 18
SESSION_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{24}$")


@dataclass(frozen=True)
class Limits:
    """What one upload may be and how much the server keeps."""

    max_upload_bytes: int = 20 * 1024 * 1024
    # 20 s: an edit costs about its duration x the per-second cost (benchmarks), so this
    # keeps every answer within a few seconds on a 2-core machine.
    max_seconds: float = 20.0
    max_sessions: int = 16
    idle_seconds: float = 3600.0


@dataclass
class Session:
    id: str
    name: str                     # the clip's display name (upload's base name or example id)
    audio: np.ndarray             # 16 kHz mono float32, as sfvae.audio.load returns it
    wav: bytes                    # the same, as the page's player gets it
    view: ClipView
    output: np.ndarray | None = None
    output_wav: bytes | None = None
    output_request: EditRequest | None = None
    output_method: str = ""
    output_name: str = ""
    # Computed on the page's first request for them after an edit.
    output_view: ClipView | None = None
    output_analysis: dict | None = None
    version: int = 0              # edits so far; the page adds it to URLs against caching
    last_used: float = field(default_factory=time.monotonic)

    def set_output(self, audio: np.ndarray, wav: bytes, request: EditRequest, method: str) -> None:
        self.output, self.output_wav = audio, wav
        self.output_request, self.output_method = request, method
        self.output_name = f"{PurePosixPath(self.name).stem}-{method}-edit.wav"
        self.output_view = self.output_analysis = None
        self.version += 1


class UnknownSession(KeyError):
    """No session under this id (never created, expired, or dropped by the cap)."""


class SessionStore:
    """Sessions by id, least recently used first; thread-safe."""

    def __init__(self, limits: Limits):
        self.limits = limits
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def add(self, name: str, audio: np.ndarray, wav: bytes, view: ClipView) -> Session:
        session = Session(secrets.token_urlsafe(SESSION_ID_BYTES), name, audio, wav, view)
        with self._lock:
            self._expire()
            self._sessions[session.id] = session
            while len(self._sessions) > self.limits.max_sessions:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: str) -> Session:
        with self._lock:
            self._expire()
            if not SESSION_ID_PATTERN.match(session_id) or session_id not in self._sessions:
                raise UnknownSession(session_id)
            self._sessions.move_to_end(session_id)
            session = self._sessions[session_id]
            session.last_used = time.monotonic()
            return session

    def _expire(self) -> None:
        cutoff = time.monotonic() - self.limits.idle_seconds
        for sid in [s.id for s in self._sessions.values() if s.last_used < cutoff]:
            del self._sessions[sid]
