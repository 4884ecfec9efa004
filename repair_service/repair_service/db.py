"""Database engine, sessions and column helpers shared by every domain of the service."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Column, DateTime, Engine, create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from reparo_shared.sqlite import make_sqlite_concurrent, sqlite_connect_args


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column (stored UTC on PostgreSQL, ISO text on SQLite)."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC, so say so."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class _Row(Protocol):
    @property
    def id(self) -> int | None: ...


def saved_id(row: _Row) -> int:
    """The primary key of a row that has been flushed or loaded.

    The models type ``id`` as ``int | None`` because it is None until the INSERT; events and
    other references made after a flush need the int, and a row never flushed is a bug.
    """
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was never flushed")
    return row.id


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; PostgreSQL URLs use psycopg 3.

    SQLite gets foreign keys enforced and is made safe for concurrent requests (WAL, a busy
    timeout, immediate transactions: see ``reparo_shared.sqlite``).
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        kwargs["connect_args"] = sqlite_connect_args(kwargs.get("connect_args"))
        return make_sqlite_concurrent(create_engine(parsed, **kwargs))
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def session_scope(engine: Engine) -> Iterator[Session]:
    """The one owner of a unit of work: commit on success, roll back on any error.

    Services only flush; this is the only place (with the CLI's equivalent) that commits.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
