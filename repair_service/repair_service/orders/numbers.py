"""Readable order numbers: ``R`` + year + ``-`` + a per-year sequence, e.g. ``R2026-000123``."""

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from repair_service.orders.models import OrderSequence


def format_number(year: int, sequence: int) -> str:
    return f"R{year}-{sequence:06d}"


def allocate_sequences(session: Session, year: int, count: int) -> list[int]:
    """Reserve ``count`` consecutive numbers of ``year`` inside the caller's transaction.

    The increment is one UPDATE, so concurrent submissions queue on the year's row instead of
    reading the same maximum; the first number of a year is inserted under a savepoint and a
    concurrent first insert falls back to the UPDATE.
    """
    for _attempt in range(3):
        last = _increment(session, year, count)
        if last is not None:
            return list(range(last - count + 1, last + 1))
        try:
            with session.begin_nested():
                session.add(OrderSequence(year=year, last_value=count))
            return list(range(1, count + 1))
        except IntegrityError:
            continue
    raise RuntimeError(f"could not allocate order numbers for {year}")


def _increment(session: Session, year: int, count: int) -> int | None:
    result = session.execute(
        update(OrderSequence)
        .where(col(OrderSequence.year) == year)
        .values(last_value=OrderSequence.last_value + count)
        .returning(col(OrderSequence.last_value))
    )
    value = result.scalar_one_or_none()
    return int(value) if value is not None else None
