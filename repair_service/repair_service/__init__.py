"""Reparo repair service: repair requests and orders, process nodes, staff, quotes and payments.

The constraint naming convention is set here, on import of the package, because SQLAlchemy names a
constraint when its table is defined: it must be in place before any model module (including the
shared outbox table) is imported, or migrations and models would disagree on names.
"""

from sqlmodel import SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

SQLModel.metadata.naming_convention = NAMING_CONVENTION
