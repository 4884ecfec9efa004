"""The Alembic migrations produce exactly the models' schema, and move existing data with them."""

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text

from repair_service.db import make_engine
from repair_service.models import metadata
from reparo_shared.identity import TokenSigner, TokenVerifier
from reparo_shared.testing import fresh_database

from .conftest import alembic_config, open_world

BEFORE_ACCESSORIES_COLUMN = "5e1f0c2a9b7d"


def test_migrations_are_up_to_date_with_the_models(engine: Engine) -> None:
    # The session fixture built this database with ``alembic upgrade head``.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert differences == []


def test_accessories_move_between_the_receiving_comment_and_their_own_column(
    keys: tuple[TokenSigner, TokenVerifier], tmp_path: Path
) -> None:
    with fresh_database("repair_migration") as url:
        config = alembic_config(url)
        command.upgrade(config, "head")
        order_id = _received_order_with_accessories(url, keys, tmp_path, "power cable")

        command.downgrade(config, BEFORE_ACCESSORIES_COLUMN)
        assert _receiving_comment(url, order_id) == "intact\nAccessories: power cable"

        command.upgrade(config, "head")
        assert _receiving_comment(url, order_id) == "intact"
        assert (
            _scalar(url, f"SELECT accessories_received FROM repair_order WHERE id = {order_id}")
            == "power cable"
        )


def _received_order_with_accessories(
    url: str, keys: tuple[TokenSigner, TokenVerifier], tmp_path: Path, accessories: str
) -> int:
    engine = make_engine(url)
    try:
        with open_world(engine, keys, url, tmp_path) as world:
            customer = world.new_customer()
            order_id = int(world.submit(customer)["orders"][0]["id"])
            steps = [
                world.act("review", order_id, "approve", receiving_address_id=world.address_id()),
                world.customer_act(
                    customer, order_id, "inbound-waybill", courier="SF", waybill="SF123456789"
                ),
                world.act(
                    "logistics", order_id, "receive", condition="intact", accessories=accessories
                ),
            ]
            assert [response.status_code for response in steps] == [200, 200, 200]
            return order_id
    finally:
        engine.dispose()


def _receiving_comment(url: str, order_id: int) -> object:
    return _scalar(
        url,
        "SELECT comment FROM tick WHERE node_code = 'receiving' AND outcome = 'received'"
        f" AND order_id = {order_id}",
    )


def _scalar(url: str, query: str) -> object:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(query)).scalar_one()
    finally:
        engine.dispose()
