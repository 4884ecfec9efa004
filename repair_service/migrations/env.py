"""Alembic environment of repair_service: the models' metadata, the URL from settings.

Tests pass their own URL as ``config.attributes["database_url"]``.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from repair_service.db import make_engine
from repair_service.models import metadata
from repair_service.settings import get_settings

config = context.config
if config.config_file_name is not None and not config.attributes.get("skip_logging"):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations() -> None:
    url = config.attributes.get("database_url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _suspend_sqlite_foreign_keys(connection)
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_sqlite_foreign_keys(connection)
    engine.dispose()


def _suspend_sqlite_foreign_keys(connection: Connection) -> None:
    """SQLite alters a table by copying it and dropping the original, which enforced foreign
    keys forbid as soon as another table's rows point at it. The pragma only takes effect
    outside a transaction, so it is sent before the migrations begin theirs."""
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()


def _check_sqlite_foreign_keys(connection: Connection) -> None:
    """Refuse (and so roll back) a migration that left a row pointing at nothing."""
    dangling = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if dangling:
        raise RuntimeError(f"migration left rows with broken foreign keys: {dangling[:5]}")


run_migrations()
