"""Backups of a service database with the scripts OPERATIONS.md documents, on the real server."""

import os
import subprocess
from pathlib import Path

import pytest
from ops_support import DEPLOY, PostgresScratch, run_script
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

BACKUP = DEPLOY / "scripts" / "backup_db.sh"
RESTORE = DEPLOY / "scripts" / "restore_db.sh"
INIT_DATABASES = DEPLOY / "postgres" / "init-databases.sh"

ORDERS_SCHEMA = """
CREATE TABLE repair_order (
    id bigserial PRIMARY KEY,
    number text NOT NULL UNIQUE,
    fault text NOT NULL,
    quote_fen bigint NOT NULL,
    created_at timestamptz NOT NULL
);
INSERT INTO repair_order (number, fault, quote_fen, created_at)
VALUES ('R20261203-0001', '屏幕不亮，开机无反应', 12800, '2026-12-03 08:15:00+00');
"""


def sqlalchemy_url(url: URL) -> str:
    """The repair service's form of the URL, which the scripts must accept as it is."""
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def run_sql(url: URL, statements: str) -> None:
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        connection.execute(text(statements))
    engine.dispose()


def orders(url: URL) -> list[tuple[object, ...]]:
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT id, number, fault, quote_fen, created_at FROM repair_order ORDER BY id")
        )
        result = [tuple(row) for row in rows]
    engine.dispose()
    return result


def next_order_id(url: URL) -> int:
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    with engine.begin() as connection:
        new_id = connection.execute(
            text(
                "INSERT INTO repair_order (number, fault, quote_fen, created_at) "
                "VALUES ('R-next', 'x', 0, now()) RETURNING id"
            )
        ).scalar_one()
    engine.dispose()
    return int(new_id)


@pytest.fixture
def service_database(postgres_scratch: PostgresScratch) -> URL:
    """A service's database holding one order, owned by the service's own role."""
    role = postgres_scratch.role("ops_repair")
    url = postgres_scratch.url(postgres_scratch.database("ops_repair", owner=role), user=role)
    run_sql(url, ORDERS_SCHEMA)
    return url


def test_an_order_backed_up_and_restored_into_a_fresh_database_is_unchanged(
    service_database: URL, postgres_scratch: PostgresScratch, tmp_path: Path
) -> None:
    dump = tmp_path / "backups" / "repair.dump"
    role = service_database.username
    restored = postgres_scratch.url(postgres_scratch.database("ops_restored", owner=role), role)

    run_script(BACKUP, sqlalchemy_url(service_database), str(dump))
    run_script(RESTORE, str(dump), sqlalchemy_url(restored))

    assert dump.exists()
    assert (tmp_path / "backups" / "repair.dump.sha256").exists()
    assert orders(restored) == orders(service_database)
    assert orders(restored)[0][1:4] == ("R20261203-0001", "屏幕不亮，开机无反应", 12800)
    # The sequence came back too: a new order does not collide with the restored one.
    assert next_order_id(restored) == 2


def test_restoring_over_the_live_database_brings_back_the_backed_up_state(
    service_database: URL, tmp_path: Path
) -> None:
    dump = tmp_path / "repair.dump"
    run_script(BACKUP, sqlalchemy_url(service_database), str(dump))
    before = orders(service_database)

    run_sql(service_database, "UPDATE repair_order SET quote_fen = 0; DELETE FROM repair_order")
    run_script(RESTORE, str(dump), sqlalchemy_url(service_database))

    assert orders(service_database) == before


def test_a_damaged_dump_is_refused_before_anything_is_dropped(
    service_database: URL, tmp_path: Path
) -> None:
    dump = tmp_path / "repair.dump"
    run_script(BACKUP, sqlalchemy_url(service_database), str(dump))
    before = orders(service_database)
    damaged = bytearray(dump.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    dump.write_bytes(bytes(damaged))

    with pytest.raises(AssertionError, match=r"restore_db\.sh failed"):
        run_script(RESTORE, str(dump), sqlalchemy_url(service_database))

    assert orders(service_database) == before


def test_a_failed_backup_leaves_no_dump_behind(
    postgres_scratch: PostgresScratch, tmp_path: Path
) -> None:
    missing = postgres_scratch.url(postgres_scratch.name("ops_missing"))
    dump = tmp_path / "repair.dump"

    with pytest.raises(AssertionError, match=r"backup_db\.sh failed"):
        run_script(BACKUP, sqlalchemy_url(missing), str(dump))

    assert list(tmp_path.iterdir()) == []


def test_each_service_role_reaches_only_its_own_database(
    postgres_scratch: PostgresScratch,
) -> None:
    names = {
        "REPAIR_DB_NAME": postgres_scratch.name("ops_repair"),
        "REPAIR_DB_USER": postgres_scratch.name("ops_repair_role"),
        "CMS_DB_NAME": postgres_scratch.name("ops_cms"),
        "CMS_DB_USER": postgres_scratch.name("ops_cms_role"),
    }
    postgres_scratch.databases += [names["REPAIR_DB_NAME"], names["CMS_DB_NAME"]]
    postgres_scratch.roles += [names["REPAIR_DB_USER"], names["CMS_DB_USER"]]
    admin = postgres_scratch.admin_url
    environment = {
        **names,
        "REPAIR_DB_PASSWORD": "repair-secret",
        "CMS_DB_PASSWORD": "cms-secret",
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGUSER": admin.username or "postgres",
    }

    run_script(INIT_DATABASES, env=environment)
    run_script(INIT_DATABASES, env=environment)  # a second run changes nothing and succeeds

    def connects(user: str, database: str) -> bool:
        result = subprocess.run(
            ["psql", "--no-psqlrc", "-Atc", "SELECT current_user"],
            env={**os.environ, **environment, "PGUSER": user, "PGDATABASE": database},
            capture_output=True,
            text=True,
            check=False,
        )
        return result.returncode == 0 and result.stdout.strip() == user

    assert connects(names["REPAIR_DB_USER"], names["REPAIR_DB_NAME"])
    assert connects(names["CMS_DB_USER"], names["CMS_DB_NAME"])
    assert not connects(names["REPAIR_DB_USER"], names["CMS_DB_NAME"])
    assert not connects(names["CMS_DB_USER"], names["REPAIR_DB_NAME"])
