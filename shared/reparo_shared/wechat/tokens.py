"""Where access tokens and jsapi tickets are kept between calls."""

import threading
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class CachedValue:
    value: str
    expires_at: float

    def fresh(self, margin: float, now: float | None = None) -> bool:
        """Still usable for at least ``margin`` seconds."""
        return self.expires_at - margin > (time.time() if now is None else now)


class TokenStore(Protocol):
    """A place for tokens shared by the callers of one client (or, if shared, of several)."""

    def get(self, key: str) -> CachedValue | None: ...

    def put(self, key: str, value: CachedValue) -> None: ...


class MemoryTokenStore:
    """Tokens held by this process only.

    Enough because stable_token hands every process the same token in normal mode; a store shared
    across processes (a database row or a file under a lock) would only save each process its
    first fetch.
    """

    def __init__(self) -> None:
        self._values: dict[str, CachedValue] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedValue | None:
        with self._lock:
            return self._values.get(key)

    def put(self, key: str, value: CachedValue) -> None:
        with self._lock:
            self._values[key] = value
