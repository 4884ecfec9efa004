"""Every line a process writes is in one format: the services' own, uvicorn's and warnings."""

import json
import logging
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from reparo_shared.logs import UVICORN_LOGGERS, configure_logging, set_correlation_id


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    uvicorn = {
        name: (logging.getLogger(name).propagate, logging.getLogger(name).level)
        for name in UVICORN_LOGGERS
    }
    pika_level = logging.getLogger("pika").level
    yield
    logging.getLogger("pika").setLevel(pika_level)
    root.handlers[:], root.level = saved
    for name, (propagate, level) in uvicorn.items():
        logging.getLogger(name).propagate = propagate
        logging.getLogger(name).setLevel(level)
    logging.captureWarnings(False)


def json_lines(text: str) -> list[dict[str, str]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.mark.usefixtures("restore_logging")
def test_service_uvicorn_and_warning_lines_all_come_out_as_json_records(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # uvicorn has set its own plain-text handler by the time the app configures logging.
    uvicorn_error = logging.getLogger("uvicorn.error")
    uvicorn_error.addHandler(logging.StreamHandler())
    uvicorn_error.propagate = False
    uvicorn_error.setLevel(logging.INFO)  # what --log-level info sets
    configure_logging("repair_service", json_logs=True)
    set_correlation_id("abc123")

    logging.getLogger("repair_service.orders").info("order.approved", extra={"order_id": 7})
    uvicorn_error.info("Started server process [%d]", 42)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("no static files yet", UserWarning, stacklevel=1)

    records = json_lines(capsys.readouterr().err)
    assert [record["message"] for record in records[:2]] == [
        "order.approved",
        "Started server process [42]",
    ]
    assert "no static files yet" in records[2]["message"]
    assert {record["service"] for record in records} == {"repair_service"}
    assert records[0]["order_id"] == 7
    assert records[0]["correlation_id"] == "abc123"
    assert datetime.fromisoformat(records[0]["time"]).utcoffset() == timedelta(0)


@pytest.mark.usefixtures("restore_logging")
def test_the_broker_clients_connection_chatter_is_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging("repair_worker", json_logs=True)

    logging.getLogger("pika.adapters.utils.connection_workflow").info("Socket connected")
    logging.getLogger("pika.channel").warning("channel closed by broker")

    records = json_lines(capsys.readouterr().err)
    assert [record["message"] for record in records] == ["channel closed by broker"]


@pytest.mark.usefixtures("restore_logging")
def test_an_access_log_uvicorn_was_told_to_leave_out_stays_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []  # what --no-access-log does
    access.propagate = False
    access.setLevel(logging.INFO)
    configure_logging("cms", json_logs=True)

    access.info('127.0.0.1 - "GET /cms/healthz HTTP/1.1" 200')

    assert capsys.readouterr().err == ""


@pytest.mark.usefixtures("restore_logging")
def test_readable_lines_are_stamped_in_utc_whatever_the_process_zone(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")  # what Django does for the cms's TIME_ZONE
    time.tzset()
    try:
        configure_logging("cms")
        before = datetime.now(UTC)
        logging.getLogger("reparo_cms.demo").info("cms.demo.seeded")
    finally:
        monkeypatch.undo()
        time.tzset()

    line = capsys.readouterr().err
    stamp = datetime.strptime(line[:24], "%Y-%m-%d %H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(stamp - before) < timedelta(seconds=5)
    assert "cms.demo.seeded" in line
