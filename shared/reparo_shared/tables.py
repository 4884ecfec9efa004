"""The SQLAlchemy Core table behind a SQLModel table class, typed.

SQLModel builds ``__table__`` on every ``table=True`` class but does not declare it, so reading it
directly is an attribute the type checker cannot see. The events and the scheduler write through
Core statements on these tables; this one function is where that gap is bridged.
"""

from sqlalchemy import Table
from sqlmodel import SQLModel


def table_of(model: type[SQLModel]) -> Table:
    """The table of ``model``; a ``TypeError`` if it is a plain data model without one."""
    table = getattr(model, "__table__", None)
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table
