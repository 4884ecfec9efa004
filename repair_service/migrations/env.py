"""Alembic environment of repair_service: the models' metadata, the URL from settings.

Tests pass their own URL as ``config.attributes["database_url"]``.
"""

from logging.config import fileConfig

from alembic import context
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
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations()
