"""Database engine, sessions and column helpers shared by every domain of the service."""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session


def utcnow() -> datetime:
    return datetime.now(UTC)


def utc_column(*, nullable: bool = False, index: bool = False) -> Any:
    """A timezone-aware timestamp column (stored UTC on PostgreSQL, ISO text on SQLite)."""
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every stored time is UTC, so say so."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; PostgreSQL URLs use psycopg 3, SQLite gets foreign keys enforced."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


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
