"""Where access tokens and jsapi tickets are kept between calls."""

import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
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

    def renewal_lock(self, key: str) -> AbstractContextManager[None]:
        """Held while one caller renews ``key``, so callers sharing the store renew it once."""
        ...


class MemoryTokenStore:
    """Tokens held by this process only.

    Enough for one process, or several when stable_token's normal mode hands each the token the
    others renewed; ``SqlTokenStore`` shares tokens and renewals between processes.
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

    @contextmanager
    def renewal_lock(self, key: str) -> Iterator[None]:
        # The client's own lock already serialises renewals within the process.
        yield
