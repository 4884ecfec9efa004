"""The Alembic migrations produce exactly the models' schema."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from repair_service.models import metadata
from sqlalchemy import Engine


def test_migrations_are_up_to_date_with_the_models(engine: Engine) -> None:
    # The session fixture built this database with ``alembic upgrade head``.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []
