"""Two instances of every service and worker against one PostgreSQL, one RabbitMQ and one
S3-compatible store (moto's server, standing in for MinIO).

Every process runs its image's or compose service's own command (see ``deployed_stack``): two
gateways, two repair_service and two cms instances, two of each relay and of the repair worker,
one WeChat sandbox (the demo profile's). Sessions and tokens made on one instance work on the
other, files stored through one are served by the other, relays never publish an event twice,
every event is handled once, and a scheduled job runs once per slot however many workers are up.
"""

import io
import json
import re
import subprocess
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import devstack  # scripts/ is put on the path by tests/conftest.py
import httpx
import pika
import pytest
from deployed_stack import DeployedStack, Started, image_healthcheck, image_of, service_command
from moto.server import ThreadedMotoServer
from ops_support import REPO_ROOT, PostgresScratch
from PIL import Image
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL

from reparo_shared.events.consumer import DEFAULT_RETRY_DELAYS, dead_letter_queue, retry_queue
from reparo_shared.identity import TokenSigner
from reparo_shared.scheduler import slot_start
from reparo_shared.testing import free_port

STAFF_PASSWORD = "ops-staff-password"
EDITOR_PASSWORD = "ops-editor-password"
CUSTOMER_OPENID = "oSbx_zhangwei"
CONSUMERS = ("repair.catalogue", "repair.notifications")
# The compose services without HTTP; each runs twice.
WORKER_SERVICES = ("repair-relay", "repair-worker", "cms-relay", "cms-scheduler")
REQUESTS_PER_INSTANCE = 5
PRODUCT_EVENTS = 30
CLOSE_EXPIRED_JOB = "wechat_pay.close_expired"
CONSOLE_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
DJANGO_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Records product events through the cms's own outbox code while both cms relays run.
PRODUCE_PRODUCT_EVENTS = f"""
import time
from django.db import transaction
from reparo_shared.events.django_outbox import record_event
from reparo_shared.events.types import ProductPublished
for number in range({PRODUCT_EVENTS}):
    page_id = 9000 + number
    event = ProductPublished(
        page_id=page_id, name=f"Ops product {{number}}", part_numbers=[f"OPS-{{number}}"],
        page_url=f"https://reparo.example/products/{{page_id}}/",
    )
    with transaction.atomic():
        record_event(event, producer="cms", subject=f"product:{{page_id}}")
    time.sleep(0.02)
"""


@dataclass
class Deployment:
    stack: DeployedStack
    repair_db: URL
    cms_db: URL
    tap: str
    broker_url: str
    exchange: str
    queue_prefix: str
    missing_commands: dict[str, str]
    store: Any
    buckets: dict[str, str]

    @property
    def env(self) -> dict[str, str]:
        return self.stack.environment

    def signer(self) -> TokenSigner:
        private_key = Path(self.env["CUSTOMER_TOKEN_PRIVATE_KEY"]).read_text("utf-8")
        return TokenSigner(private_key, self.env["CUSTOMER_TOKEN_KID"])

    def customer(self, repair: Started) -> tuple[int, dict[str, str]]:
        """Sign the sandbox customer in as the gateway does: find or create them on ``repair``
        with a service token, then a customer token; returns the id and the headers."""
        signer = self.signer()
        found = httpx.post(
            f"{repair.url}/api/repair/customers/find-or-create",
            json={"openid": CUSTOMER_OPENID},
            headers={"Authorization": f"Bearer {signer.sign_service('gateway')}"},
            timeout=30,
        )
        customer_id = int(found.json()["customer_id"])
        token = signer.sign_customer(str(customer_id), CUSTOMER_OPENID)
        return customer_id, {"Authorization": f"Bearer {token}"}

    def rows(self, url: URL, query: str) -> list[Any]:
        engine = create_engine(url)
        try:
            with engine.connect() as connection:
                return list(connection.execute(text(query)))
        finally:
            engine.dispose()


def wait_until(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


def unknown_management_commands(stack: DeployedStack) -> dict[str, str]:
    """Compose services running a ``manage.py`` command this checkout's cms does not have."""
    listed = subprocess.run(
        ["python", "cms/manage.py", "help", "--commands"],
        cwd=REPO_ROOT,
        env=stack.env_for("cms"),
        capture_output=True,
        text=True,
        check=False,
    )
    known = set(listed.stdout.split())
    missing = {}
    for service in WORKER_SERVICES:
        command = service_command(service)
        if "cms/manage.py" in command:
            name = command[command.index("cms/manage.py") + 1]
            if name not in known:
                missing[service] = name
    return missing


def declare_tap(broker_url: str, exchange: str, tap: str) -> None:
    """A queue receiving every event published, declared before any relay starts."""
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
        channel.queue_declare(queue=tap, durable=True)
        channel.queue_bind(queue=tap, exchange=exchange, routing_key="#")
    finally:
        connection.close()


def remove_broker_objects(deployment: Deployment) -> None:
    queues = [deployment.tap]
    for consumer in CONSUMERS:
        name = f"{deployment.queue_prefix}{consumer}"
        queues += [name, dead_letter_queue(name)]
        queues += [retry_queue(name, delay) for delay in DEFAULT_RETRY_DELAYS]
    connection = pika.BlockingConnection(pika.URLParameters(deployment.broker_url))
    try:
        channel = connection.channel()
        for queue in queues:
            channel.queue_delete(queue=queue)
        channel.exchange_delete(exchange=deployment.exchange)
    finally:
        connection.close()


@contextmanager
def s3_store(suffix: str) -> Iterator[tuple[str, Any, dict[str, str]]]:
    """An S3-compatible server with a bucket per service: its URL, a client, the buckets."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        url = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",  # moto accepts any key; nothing secret here
        )
        buckets = {"cms": f"ops-cms-{suffix}", "repair": f"ops-repair-{suffix}"}
        for bucket in buckets.values():
            client.create_bucket(Bucket=bucket)
        yield url, client, buckets
    finally:
        server.stop()


@pytest.fixture(scope="module")
def deployed(
    postgres_admin_url: URL, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    data_dir = tmp_path_factory.mktemp("deployed")
    (data_dir / "logs").mkdir()
    suffix = uuid.uuid4().hex[:8]
    gateway_port = free_port()
    with ExitStack() as cleanup:
        scratch = PostgresScratch(postgres_admin_url)
        cleanup.callback(scratch.close)
        repair_db = scratch.url(scratch.database("ops_repair"))
        repair_db = repair_db.set(drivername="postgresql+psycopg")
        cms_db = scratch.url(scratch.database("ops_cms"))
        store_url, store, buckets = cleanup.enter_context(s3_store(suffix))
        environment = devstack.prepare_environment(
            data_dir,
            {
                # Each service's bucket, as deploy/env/{cms,repair_service}.env.example set them.
                "CMS_S3_BUCKET": buckets["cms"],
                "CMS_S3_ENDPOINT_URL": store_url,
                "CMS_S3_ACCESS_KEY_ID": "testing",
                "CMS_S3_SECRET_ACCESS_KEY": "testing",
                "FILE_STORAGE": "s3",
                "S3_BUCKET": buckets["repair"],
                "S3_ENDPOINT_URL": store_url,
                "S3_ACCESS_KEY_ID": "testing",
                "S3_SECRET_ACCESS_KEY": "testing",
                "GATEWAY_PORT": str(gateway_port),
                "SANDBOX_PORT": str(free_port()),
                "REPAIR_DATABASE_URL": repair_db.render_as_string(hide_password=False),
                "CMS_DATABASE_URL": cms_db.render_as_string(hide_password=False),
                "EVENTS_EXCHANGE": f"reparo.events.ops-{suffix}",
                "EVENTS_QUEUE_PREFIX": f"ops-{suffix}.",
                "DEMO_STAFF_PASSWORD": STAFF_PASSWORD,
                "CMS_ADMIN_PASSWORD": EDITOR_PASSWORD,
                # The services are reached over plain HTTP here; nginx adds TLS in a deployment.
                "SESSION_COOKIE_SECURE": "false",
            },
        )
        stack = DeployedStack(environment, data_dir / "logs")
        deployment = Deployment(
            stack=stack,
            repair_db=repair_db,
            cms_db=cms_db,
            tap=f"ops-{suffix}.tap",
            broker_url=environment["AMQP_URL"],
            exchange=environment["EVENTS_EXCHANGE"],
            queue_prefix=environment["EVENTS_QUEUE_PREFIX"],
            missing_commands={},
            store=store,
            buckets=buckets,
        )
        if not devstack.rabbitmq_answers(deployment.broker_url):
            pytest.fail(f"no RabbitMQ answers at {deployment.broker_url}")
        declare_tap(deployment.broker_url, deployment.exchange, deployment.tap)
        cleanup.callback(remove_broker_objects, deployment)
        cleanup.callback(stack.stop)
        start_everything(deployment, gateway_port)
        yield deployment


def start_everything(deployment: Deployment, gateway_port: int) -> None:
    stack = deployment.stack
    # One-shot steps: the compose migrate services, then the seeds OPERATIONS.md names.
    stack.run_once("repair-migrate")
    stack.run_once("cms-migrate")
    stack.run_once("repair_service", ["python", "-m", "repair_service.cli", "seed-demo"])
    stack.run_once("cms", ["python", "cms/manage.py", "seed_demo"])
    deployment.missing_commands = unknown_management_commands(stack)

    sandbox_port = int(stack.environment["SANDBOX_PORT"])
    stack.start("sandbox", "wechat-sandbox", port=sandbox_port, health_path="/healthz")
    for instance in ("a", "b"):
        stack.start(f"repair-{instance}", "repair_service", port=free_port(), health_path="/readyz")
        stack.start(f"cms-{instance}", "cms", port=free_port(), health_path="/cms/readyz")
    for instance in ("a", "b"):
        # Each gateway talks to its own repair_service and cms instance.
        port = gateway_port if instance == "a" else free_port()
        upstreams = {
            "REPAIR_URL": stack.started[f"repair-{instance}"].url,
            "CMS_URL": stack.started[f"cms-{instance}"].url,
        }
        stack.start(
            f"gateway-{instance}", "gateway", port=port, health_path="/healthz", overrides=upstreams
        )
    for service in WORKER_SERVICES:
        if service in deployment.missing_commands:
            continue
        for instance in ("a", "b"):
            stack.start(f"{service}-{instance}", service)
    stack.wait_until_ready()


# --- the processes ------------------------------------------------------------------------------


@pytest.mark.parametrize("service", ["wechat-sandbox", "repair_service", "cms", "gateway"])
def test_each_image_start_command_serves_and_passes_the_image_health_check(
    deployed: Deployment, service: str
) -> None:
    for started in deployed.stack.of(service):
        assert started.port is not None
        check = subprocess.run(
            image_healthcheck(image_of(service), started.port),
            env=deployed.stack.env_for(service),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

        assert started.alive(), started.name
        assert check.returncode == 0, f"{started.name}: {check.stderr}"


@pytest.mark.parametrize("service", WORKER_SERVICES)
def test_each_worker_command_keeps_running_beside_a_second_copy(
    deployed: Deployment, service: str
) -> None:
    if service in deployed.missing_commands:
        pytest.skip(
            f"{service} runs `manage.py {deployed.missing_commands[service]}`, "
            "which this checkout's cms does not have yet"
        )
    copies = deployed.stack.of(service)

    assert len(copies) == 2
    for started in copies:
        assert started.alive(), started.log.read_text("utf-8", errors="replace")[-2000:]


# --- sessions and tokens ------------------------------------------------------------------------


def instances(deployed: Deployment, service: str) -> tuple[Started, Started]:
    first, second = deployed.stack.of(service)
    return first, second


def test_a_customer_token_is_accepted_by_every_repair_and_cms_instance(
    deployed: Deployment,
) -> None:
    repair_a, repair_b = instances(deployed, "repair_service")
    customer_id, bearer = deployed.customer(repair_a)

    for repair in (repair_a, repair_b):
        me = httpx.get(f"{repair.url}/api/repair/me", headers=bearer, timeout=30)
        assert me.status_code == 200, (repair.name, me.text)
        assert me.json()["id"] == customer_id
    for cms in deployed.stack.of("cms"):
        favourites = httpx.get(
            f"{cms.url}/cms/api/engagement/me/favourites/", headers=bearer, timeout=30
        )
        assert favourites.status_code == 200, (cms.name, favourites.text)


def test_a_customer_sign_in_started_on_one_gateway_and_finished_on_the_other_holds_on_both(
    deployed: Deployment,
) -> None:
    gateway_a, gateway_b = instances(deployed, "gateway")
    # WeChat sends the customer back to the public address; here that is gateway A.
    with httpx.Client(base_url=gateway_b.url, timeout=30) as on_b:
        start = on_b.get("/signin?next=/")
        authorize = start.headers["location"].partition("#")[0]
        picked = httpx.get(f"{authorize}&sandbox_openid={CUSTOMER_OPENID}", timeout=30)
        with httpx.Client(base_url=gateway_a.url, cookies=on_b.cookies, timeout=30) as on_a:
            landed = on_a.get(picked.headers["location"])
            cookies = on_a.cookies

    assert landed.status_code == 303, landed.text
    for gateway in (gateway_a, gateway_b):
        with httpx.Client(base_url=gateway.url, cookies=cookies, timeout=30) as client:
            me = client.get("/api/repair/me")
            favourites = client.get("/cms/api/engagement/me/favourites/")
        assert me.status_code == 200, (gateway.name, me.text)
        assert favourites.status_code == 200, (gateway.name, favourites.text)


def test_a_console_session_made_on_one_instance_is_valid_and_revocable_on_the_other(
    deployed: Deployment,
) -> None:
    repair_a, repair_b = instances(deployed, "repair_service")
    on_a = httpx.Client(base_url=repair_a.url, timeout=30)
    login = on_a.get("/console/login")
    csrf = CONSOLE_CSRF.search(login.text)
    assert csrf is not None
    signed_in = on_a.post(
        "/console/login",
        data={"username": "coordinator", "password": STAFF_PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert signed_in.status_code == 303, signed_in.text
    page_on_a = on_a.get("/console/")
    form_token = CONSOLE_CSRF.search(page_on_a.text)
    assert form_token is not None

    on_b = httpx.Client(base_url=repair_b.url, cookies=on_a.cookies, timeout=30)
    page_on_b = on_b.get("/console/")
    # A form rendered by A, sent to B: the CSRF token is the same on every instance.
    signed_out = on_b.post("/console/logout", data={"csrf_token": form_token.group(1)})
    after_on_a = on_a.get("/console/")
    on_a.close()
    on_b.close()

    assert page_on_b.status_code == 200
    assert 'data-test="sign-out"' in page_on_b.text  # signed in
    assert signed_out.status_code == 303
    assert signed_out.headers["location"] == "/console/login"
    assert after_on_a.status_code in (302, 303, 307)
    assert "/console/login" in after_on_a.headers["location"]


def test_a_staff_api_token_from_one_instance_works_on_the_other(deployed: Deployment) -> None:
    repair_a, repair_b = instances(deployed, "repair_service")
    session = httpx.post(
        f"{repair_a.url}/api/repair/staff/session",
        json={"username": "review", "password": STAFF_PASSWORD},
        timeout=30,
    )
    bearer = {"Authorization": f"Bearer {session.json()['token']}"}

    listed = httpx.get(f"{repair_b.url}/api/repair/staff/orders", headers=bearer, timeout=30)

    assert session.status_code == 201
    assert listed.status_code == 200, listed.text


def test_an_editor_session_made_on_one_cms_instance_is_valid_on_the_other(
    deployed: Deployment,
) -> None:
    cms_a, cms_b = instances(deployed, "cms")
    on_a = httpx.Client(base_url=cms_a.url, timeout=30)
    form = on_a.get("/cms/admin/login/")
    token = DJANGO_CSRF.search(form.text)
    assert token is not None
    signed_in = on_a.post(
        "/cms/admin/login/",
        data={"username": "editor", "password": EDITOR_PASSWORD, "csrfmiddlewaretoken": token[1]},
    )

    on_b = httpx.Client(base_url=cms_b.url, cookies=on_a.cookies, timeout=30)
    dashboard = on_b.get("/cms/admin/")
    on_a.close()
    on_b.close()

    assert signed_in.status_code == 302, signed_in.text
    assert dashboard.status_code == 200
    assert "editor" in dashboard.text


# --- files -------------------------------------------------------------------------------------

STORE_SOFTWARE = """
import json
from django.core.files.base import ContentFile
from reparo_cms.content.models import ContentDocument
document = ContentDocument.objects.create(
    title="fw", file=ContentFile(bytes(range(256)) * 64, name="ops-firmware.bin")
)
print(json.dumps({"url": document.url, "key": document.file.name}))
"""


def test_cms_media_stored_through_one_instance_is_in_the_bucket_and_served_by_both(
    deployed: Deployment,
) -> None:
    firmware = bytes(range(256)) * 64
    printed = deployed.stack.run_once(
        "cms", ["python", "cms/manage.py", "shell", "-c", STORE_SOFTWARE]
    )
    stored = json.loads(printed.strip().splitlines()[-1])

    in_bucket = deployed.store.get_object(Bucket=deployed.buckets["cms"], Key=stored["key"])
    assert in_bucket["Body"].read() == firmware
    assert stored["url"] == f"/cms/media/{stored['key']}"
    for cms in deployed.stack.of("cms"):
        resumed = httpx.get(f"{cms.url}{stored['url']}", headers={"Range": "bytes=1000-"})
        assert resumed.status_code == 206, cms.name
        assert resumed.content == firmware[1000:]
        assert resumed.headers["content-disposition"].startswith("attachment;")


def test_a_photo_uploaded_through_one_repair_instance_is_downloaded_through_the_other(
    deployed: Deployment,
) -> None:
    repair_a, repair_b = instances(deployed, "repair_service")
    _, customer = deployed.customer(repair_a)
    photo = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(photo, "JPEG")

    uploaded = httpx.put(
        f"{repair_a.url}/api/repair/files",
        content=photo.getvalue(),
        headers={**customer, "Content-Type": "application/octet-stream", "X-File-Name": "p.jpg"},
        timeout=60,
    )
    key = uploaded.json()["key"]
    downloaded = httpx.get(f"{repair_b.url}/api/repair/files/{key}", headers=customer, timeout=60)
    listed = deployed.store.list_objects_v2(Bucket=deployed.buckets["repair"])

    assert uploaded.status_code == 201, uploaded.text
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.headers["content-type"] == "image/jpeg"
    assert listed["KeyCount"] >= 1


# --- events -------------------------------------------------------------------------------------


class Traffic:
    """Customers submitting on both instances, staff approving on both, cms publishing."""

    def __init__(self, deployed: Deployment) -> None:
        self.deployed = deployed
        self.repairs = instances(deployed, "repair_service")
        _, self.customer = deployed.customer(self.repairs[0])
        staff = httpx.post(
            f"{self.repairs[1].url}/api/repair/staff/session",
            json={"username": "coordinator", "password": STAFF_PASSWORD},
            timeout=30,
        ).json()
        self.staff = {"Authorization": f"Bearer {staff['token']}"}

    def submit(self, number: int) -> int:
        repair = self.repairs[number % 2]
        response = httpx.post(
            f"{repair.url}/api/repair/requests",
            json={
                "contact_name": "运维测试",
                "contact_phone": "13800000000",
                "ship_from_address": "上海",
                "items": [{"pn": "RP-100", "sn": f"OPS-{number}", "fault_description": "x"}],
            },
            headers={**self.customer, "Idempotency-Key": uuid.uuid4().hex},
            timeout=60,
        )
        assert response.status_code == 201, response.text
        return int(response.json()["orders"][0]["id"])

    def approve(self, order_id: int) -> None:
        # Read on one instance, act on the other: the version check is in the database.
        reader, actor = self.repairs[order_id % 2], self.repairs[(order_id + 1) % 2]
        staff_api = "/api/repair/staff"
        order = httpx.get(f"{reader.url}{staff_api}/orders/{order_id}", headers=self.staff)
        address = httpx.get(f"{reader.url}{staff_api}/addresses", headers=self.staff).json()[0]
        response = httpx.post(
            f"{actor.url}{staff_api}/orders/{order_id}/approve",
            json={
                "expected_version": order.json()["version"],
                "receiving_address_id": address["id"],
            },
            headers=self.staff,
            timeout=60,
        )
        assert response.status_code == 200, response.text


def drain(deployed: Deployment, expected: int) -> list[str]:
    """Every message id on the tap, waiting until ``expected`` arrived (and taking any extra)."""
    connection = pika.BlockingConnection(pika.URLParameters(deployed.broker_url))
    ids: list[str] = []
    try:
        channel = connection.channel()

        def take_all() -> bool:
            while True:
                method, properties, _ = channel.basic_get(deployed.tap, auto_ack=True)
                if method is None:
                    return len(ids) >= expected
                ids.append(properties.message_id)

        wait_until(take_all, 120, f"{expected} published events")
        time.sleep(2)  # anything published twice would arrive now
        take_all()
    finally:
        connection.close()
    return ids


def test_relays_publish_every_event_once_and_workers_handle_each_once(
    deployed: Deployment,
) -> None:
    traffic = Traffic(deployed)
    requests = 2 * REQUESTS_PER_INSTANCE

    with ThreadPoolExecutor(max_workers=4) as pool:
        producing = pool.submit(
            deployed.stack.run_once,
            "cms",
            ["python", "cms/manage.py", "shell", "-c", PRODUCE_PRODUCT_EVENTS],
        )
        order_ids = list(pool.map(traffic.submit, range(requests)))
        list(pool.map(traffic.approve, order_ids))
        producing.result()

    repair_unsent = "SELECT count(*) FROM outbox_event WHERE sent_at IS NULL"
    for database in (deployed.repair_db, deployed.cms_db):
        wait_until(lambda db=database: deployed.rows(db, repair_unsent)[0][0] == 0, 120, "outbox")
    outbox = {
        row[0]: row[1]
        for database in (deployed.repair_db, deployed.cms_db)
        for row in deployed.rows(database, "SELECT event_id, event_type FROM outbox_event")
    }
    published = drain(deployed, len(outbox))

    # Relays: every committed event out, none twice, nothing that was not committed.
    assert len(published) == len(set(published))
    assert set(published) == set(outbox)

    # Workers: each event in the inbox of each consumer bound to it, and handled once.
    product_events = {event for event, kind in outbox.items() if kind.startswith("product.")}
    approvals = {event for event, kind in outbox.items() if kind == "repair.review.approved"}
    catalogue = f"{deployed.queue_prefix}repair.catalogue"
    notifications = f"{deployed.queue_prefix}repair.notifications"
    inbox_query = "SELECT event_id FROM inbox_event WHERE consumer = '{}'"

    def handled(consumer: str) -> set[str]:
        return {row[0] for row in deployed.rows(deployed.repair_db, inbox_query.format(consumer))}

    wait_until(lambda: handled(catalogue) >= product_events, 120, "catalogue events handled")
    wait_until(lambda: handled(notifications) >= approvals, 120, "approvals handled")
    assert len(product_events) == PRODUCT_EVENTS + 1  # the demo product, then the test's
    assert len(approvals) == requests
    assert handled(catalogue) == product_events

    kept = Counter(
        record.get("page_id")
        for worker in deployed.stack.of("repair-worker")
        for record in worker.records()
        if record.get("message") == "catalogue.product_kept"
    )
    assert len(kept) == len(product_events)
    assert set(kept.values()) == {1}, "a product event was handled more than once"

    sends = httpx.get(f"{deployed.env['WECHAT_SANDBOX_URL']}/sandbox/stats", timeout=30).json()
    messages = deployed.rows(
        deployed.repair_db, "SELECT event_id, state FROM customer_message ORDER BY event_id"
    )
    assert sends["template.send"] == requests
    assert sorted(event for event, _ in messages) == sorted(approvals)
    assert {state for _, state in messages} == {"SENT"}


def test_every_repair_instance_reports_the_same_state_and_both_workers_on_each_queue(
    deployed: Deployment,
) -> None:
    pages = [
        httpx.get(f"{repair.url}/metrics", timeout=30).text
        for repair in deployed.stack.of("repair_service")
    ]

    def state_lines(page: str) -> list[str]:
        gauges = ("reparo_outbox_backlog ", "reparo_pending_", "reparo_queue_", "reparo_dead_")
        return sorted(line for line in page.splitlines() if line.startswith(gauges))

    assert state_lines(pages[0]) == state_lines(pages[1])
    for consumer in CONSUMERS:
        queue = f"{deployed.queue_prefix}{consumer}"
        assert f'reparo_queue_consumers{{queue="{queue}"}} 2.0' in pages[0]
        assert f'reparo_dead_letters{{queue="{queue}.dead"}} 0.0' in pages[0]
    assert "reparo_state_gauge_errors{" not in pages[0]


# --- scheduled jobs -----------------------------------------------------------------------------


def test_a_scheduled_job_runs_once_per_slot_however_many_workers_are_up(
    deployed: Deployment,
) -> None:
    workers = deployed.stack.of("repair-worker")
    every = timedelta(minutes=1)

    def started_at(worker: Started) -> datetime | None:
        for record in worker.records():
            if record.get("message") == "scheduler.started":
                return datetime.fromisoformat(record["time"])
        return None

    both_up = wait_until(lambda: all(map(started_at, workers)), 60, "both schedulers started")
    assert both_up
    both_up_at = max(filter(None, map(started_at, workers)))
    # The first slot that began while both workers were already running.
    shared_slot = slot_start(both_up_at, every) + every
    wait_until(
        lambda: datetime.now(UTC) > shared_slot + timedelta(seconds=5),
        every.total_seconds() + 15,
        "a slot boundary with both workers up",
    )

    ran = Counter(
        (record["job"], record["slot"])
        for worker in workers
        for record in worker.records()
        if record.get("message") == "scheduler.job_started"
    )
    rows = deployed.rows(
        deployed.repair_db,
        "SELECT job_name, slot_start, count(*) FROM scheduled_job_run GROUP BY 1, 2",
    )

    assert (CLOSE_EXPIRED_JOB, shared_slot.isoformat()) in ran
    assert set(ran.values()) == {1}, ran
    assert {count for _, _, count in rows} == {1}
    assert len(rows) == len(ran)


def test_every_line_a_deployed_process_writes_is_a_json_record(deployed: Deployment) -> None:
    for started in deployed.stack:
        if started.service == "wechat-sandbox":  # the demo's WeChat double keeps uvicorn's lines
            continue
        lines = started.log.read_text("utf-8", errors="replace").splitlines()
        records = started.records()

        assert records, f"{started.name} wrote nothing"
        assert len(records) == len([line for line in lines if line.strip()]), started.name
        assert all(record.get("service") and record.get("level") for record in records)
