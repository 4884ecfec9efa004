"""A token store in a database table, shared by every process of a service.

With it, one process renews a rejected token while the others wait and then read the new one,
instead of each process renewing its own (which, for a forced refresh, would invalidate the
token the others just fetched). Any SQLAlchemy database works: the lock is a lease written in
the token's row, so it needs no database-specific locking.
"""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Column, Engine, Float, MetaData, String, Table, insert, select, update
from sqlalchemy.exc import IntegrityError

from reparo_shared.wechat.tokens import CachedValue


def token_table(metadata: MetaData, name: str = "wechat_token") -> Table:
    """The table, for a service to include in its own metadata and migrations."""
    return Table(
        name,
        metadata,
        Column("key", String(100), primary_key=True),
        Column("value", String(600), nullable=False, default=""),
        Column("expires_at", Float, nullable=False, default=0.0),
        Column("lease_until", Float, nullable=True),
    )


class SqlTokenStore:
    """Tokens in ``table`` (see ``token_table``), leased for renewal across processes."""

    def __init__(
        self, engine: Engine, table: Table, lease_seconds: float = 30.0, poll_seconds: float = 0.05
    ) -> None:
        self._engine = engine
        self._table = table
        # A renewal taking longer than this (a crashed holder) lets another process take over.
        self._lease_seconds = lease_seconds
        self._poll_seconds = poll_seconds

    def get(self, key: str) -> CachedValue | None:
        query = select(self._table.c.value, self._table.c.expires_at).where(
            self._table.c.key == key
        )
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None or not row.value:
            return None
        return CachedValue(row.value, row.expires_at)

    def put(self, key: str, value: CachedValue) -> None:
        self._ensure_row(key)
        change = (
            update(self._table)
            .where(self._table.c.key == key)
            .values(value=value.value, expires_at=value.expires_at)
        )
        with self._engine.begin() as connection:
            connection.execute(change)

    @contextmanager
    def renewal_lock(self, key: str) -> Iterator[None]:
        """Take the row's lease (waiting while another process holds it), release on exit."""
        self._ensure_row(key)
        while not self._take_lease(key):
            time.sleep(self._poll_seconds)
        try:
            yield
        finally:
            release = update(self._table).where(self._table.c.key == key).values(lease_until=None)
            with self._engine.begin() as connection:
                connection.execute(release)

    def _take_lease(self, key: str) -> bool:
        now = time.time()
        free = (self._table.c.lease_until.is_(None)) | (self._table.c.lease_until < now)
        take = (
            update(self._table)
            .where(self._table.c.key == key, free)
            .values(lease_until=now + self._lease_seconds)
        )
        with self._engine.begin() as connection:
            return connection.execute(take).rowcount == 1

    def _ensure_row(self, key: str) -> None:
        exists = select(self._table.c.key).where(self._table.c.key == key)
        with self._engine.begin() as connection:
            if connection.execute(exists).first() is not None:
                return
        try:
            with self._engine.begin() as connection:
                connection.execute(insert(self._table).values(key=key, value="", expires_at=0.0))
        except IntegrityError:
            pass  # another process created it first
