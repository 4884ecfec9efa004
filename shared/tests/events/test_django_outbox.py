import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from events_support import Broker
from sqlalchemy import create_engine, text

HERE = Path(__file__).parent


def django_env(database_url: str, broker: Broker) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "django_settings",
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
        "DATABASE_URL": database_url,
        "AMQP_URL": broker.url,
        "EVENTS_EXCHANGE": broker.exchange,
    }


def test_cms_events_recorded_in_atomic_blocks_are_relayed_by_the_management_command(
    database_url: str, broker: Broker, suffix: str
) -> None:
    tap = broker.tap(f"test.tap.{suffix}")
    env = django_env(database_url, broker)
    run = {"env": env, "capture_output": True, "text": True, "timeout": 120, "check": True}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v", "0"], **run)

    produced = subprocess.run([sys.executable, str(HERE / "django_produce.py")], **run)
    relay = subprocess.Popen(
        [sys.executable, "-m", "django", "run_outbox_relay"], env=env, stderr=subprocess.PIPE
    )
    try:
        messages = broker.take(tap, 3)
    finally:
        relay.send_signal(signal.SIGTERM)
        _, stderr = relay.communicate(timeout=60)

    report = json.loads(produced.stdout)
    assert report["outside_refused"] is True
    assert [properties.message_id for properties, _ in messages] == report["committed"]
    bodies = [json.loads(body) for _, body in messages]
    assert [body["type"] for body in bodies] == [
        "product.published",
        "product.published",
        "product.withdrawn",
    ]
    assert relay.returncode == 0, stderr
    engine = create_engine(database_url)
    with engine.connect() as connection:
        unsent = connection.execute(text("SELECT count(*) FROM outbox_event WHERE sent_at IS NULL"))
        assert unsent.scalar_one() == 0
    engine.dispose()
