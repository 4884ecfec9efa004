"""Tokens shared through a database table by several processes of one service."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, MetaData, create_engine

from reparo_shared.testing import fresh_database
from reparo_shared.wechat import SqlTokenStore, make_client, set_menu, token_table
from reparo_shared.wechat.testing import RunningSandbox
from reparo_shared.wechat.tokens import CachedValue

MENU = {"button": [{"type": "click", "name": "联系客服", "key": "CONTACT"}]}


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    with fresh_database("wechat_tokens") as url:
        metadata = MetaData()
        token_table(metadata)
        engine = create_engine(url)
        metadata.create_all(engine)
        engine.dispose()
        yield url


@pytest.fixture
def engines(database_url: str) -> Iterator[list[Engine]]:
    """Two engines, as two processes of one service would have."""
    made = [create_engine(database_url) for _ in range(2)]
    for engine in made:
        with engine.begin() as connection:
            connection.execute(token_table(MetaData()).delete())
    yield made
    for engine in made:
        engine.dispose()


def _store(engine: Engine, **options: float) -> SqlTokenStore:
    return SqlTokenStore(engine, token_table(MetaData()), **options)


def test_two_processes_renew_an_expired_token_once_between_them(
    sandbox: RunningSandbox, engines: list[Engine]
) -> None:
    clients = [make_client(sandbox.settings(), _store(engine)) for engine in engines]
    set_menu(clients[0], MENU)
    sandbox.control("POST", "/sandbox/tokens/expire")

    with ThreadPoolExecutor(max_workers=10) as pool:
        menus = list(pool.map(lambda n: clients[n % 2].menu.get(), range(10)))

    stats = sandbox.control("GET", "/sandbox/stats")
    assert all(menu["menu"] == MENU for menu in menus)
    assert stats["stable_token"] == 2  # process one's first fetch and one shared renewal
    assert stats.get("stable_token.force", 0) == 0


def test_stored_token_is_read_back_by_another_process(engines: list[Engine]) -> None:
    _store(engines[0]).put("k", CachedValue("token-1", 1234.5))

    assert _store(engines[1]).get("k") == CachedValue("token-1", 1234.5)
    assert _store(engines[1]).get("other") is None


def test_lease_of_a_crashed_holder_runs_out(engines: list[Engine]) -> None:
    crashed = _store(engines[0], lease_seconds=0.5).renewal_lock("k")
    crashed.__enter__()  # taken and never released, as by a process that died
    taken = threading.Event()

    def other_process() -> None:
        with _store(engines[1], poll_seconds=0.05).renewal_lock("k"):
            taken.set()

    worker = threading.Thread(target=other_process)
    worker.start()
    worker.join(timeout=10)

    assert taken.is_set()
