"""Test fixtures: one fresh database per session (PostgreSQL when TEST_DATABASE_ADMIN_URL is set,
SQLite otherwise), migrated with Alembic; every test starts from emptied tables and the seed."""

import io
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, text
from sqlmodel import Session, select

from repair_service.app import create_app
from repair_service.cli import demo_address
from repair_service.db import make_engine, utcnow
from repair_service.models import Quote, ReceivingAddress, RepairOrder, Tick, metadata
from repair_service.process.defaults import DEFAULT_TEAMS, seed_defaults
from repair_service.settings import Settings
from repair_service.staff.models import StaffAccount, StaffRole, Team, TeamMembership
from reparo_shared.files import FileHandler, LocalDiskStorage, SizeLimits
from reparo_shared.identity import TokenSigner, TokenVerifier, generate_keypair
from reparo_shared.testing import fresh_database

ALEMBIC_INI = Path(__file__).resolve().parents[1] / "alembic.ini"
PASSWORD = "correct horse battery"
# Cheap argon2 parameters keep sign-in fast in tests; verification reads them from the hash.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def alembic_config(url: str) -> Config:
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = url
    config.attributes["skip_logging"] = True
    return config


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database("repair_test") as url:
        command.upgrade(alembic_config(url), "head")
        yield url


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def keys() -> tuple[TokenSigner, TokenVerifier]:
    private_pem, public_pem = generate_keypair()
    return TokenSigner(private_pem, "test-1"), TokenVerifier({"test-1": public_pem})


def _empty_tables(engine: Engine) -> None:
    tables = [table.name for table in metadata.sorted_tables]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(text(f'DELETE FROM "{name}"'))


def _seed(engine: Engine) -> None:
    with Session(engine) as session:
        seed_defaults(session)
        teams = {team.code: team.id for team in session.exec(select(Team))}
        accounts = [("admin", StaffRole.ADMIN, None), ("coordinator", StaffRole.COORDINATOR, None)]
        accounts += [(code, StaffRole.MEMBER, code) for code in DEFAULT_TEAMS]
        for username, role, team in accounts:
            account = StaffAccount(
                username=username,
                display_name=username.capitalize(),
                role=role,
                password_hash=_PASSWORD_HASH,
            )
            session.add(account)
            session.flush()
            if team:
                session.add(TeamMembership(staff_id=account.id, team_id=teams[team]))
        session.add(demo_address())
        session.commit()


class World:
    """The service under test and the people who use it."""

    def __init__(self, client: TestClient, signer: TokenSigner, engine: Engine) -> None:
        self.client = client
        self.signer = signer
        self.engine = engine
        self._staff: dict[str, dict[str, str]] = {}

    def service_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.signer.sign_service('gateway')}"}

    def new_customer(self, openid: str | None = None) -> dict[str, str]:
        """Sign a customer in as the gateway would; returns their request headers."""
        openid = openid or f"openid-{uuid.uuid4().hex[:10]}"
        response = self.client.post(
            "/api/repair/customers/find-or-create",
            json={"openid": openid, "name": "张三丰"},
            headers=self.service_headers(),
        )
        assert response.status_code == 200, response.text
        customer_id = response.json()["customer_id"]
        token = self.signer.sign_customer(str(customer_id), openid)
        return {"Authorization": f"Bearer {token}"}

    def staff(self, username: str) -> dict[str, str]:
        if username not in self._staff:
            response = self.client.post(
                "/api/repair/staff/session", json={"username": username, "password": PASSWORD}
            )
            assert response.status_code == 201, response.text
            self.client.cookies.clear()
            self._staff[username] = {"Authorization": f"Bearer {response.json()['token']}"}
        return self._staff[username]

    def submit(
        self,
        customer: dict[str, str],
        items: list[dict[str, Any]] | None = None,
        key: str | None = None,
    ) -> dict[str, Any]:
        items = items or [
            {"pn": "PN-100", "sn": f"SN{uuid.uuid4().hex[:8]}", "fault_description": "no power"}
        ]
        response = self.client.post(
            "/api/repair/requests",
            json={
                "contact_name": "张三丰",
                "contact_phone": "13812345678",
                "ship_from_address": "广东省深圳市南山区科技园一路1号",
                "items": items,
            },
            headers={**customer, "Idempotency-Key": key or uuid.uuid4().hex},
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    def order(self, order_id: int, who: str = "admin") -> dict[str, Any]:
        response = self.client.get(f"/api/repair/staff/orders/{order_id}", headers=self.staff(who))
        assert response.status_code == 200, response.text
        return response.json()

    def version(self, order_id: int) -> int:
        return int(self.order(order_id)["version"])

    def act(self, who: str, order_id: int, action: str, **body: Any) -> Any:
        """A staff action with the order's current version (unless one is given)."""
        body.setdefault("expected_version", self.version(order_id))
        return self.client.post(
            f"/api/repair/staff/orders/{order_id}/{action}", json=body, headers=self.staff(who)
        )

    def customer_act(
        self, customer: dict[str, str], order_id: int, action: str, **body: Any
    ) -> Any:
        if "expected_version" not in body:
            detail = self.client.get(f"/api/repair/orders/{order_id}", headers=customer).json()
            body["expected_version"] = detail["version"]
        return self.client.post(
            f"/api/repair/orders/{order_id}/{action}", json=body, headers=customer
        )

    def drive_to_quote(
        self,
        customer: dict[str, str],
        order_id: int,
        amount_fen: int = 12_000,
        warranty: bool = False,
    ) -> None:
        """Staff and customer take an order from review up to a sent quote."""
        steps = [
            self.act("review", order_id, "approve", receiving_address_id=self.address_id()),
            self.customer_act(
                customer, order_id, "inbound-waybill", courier="SF", waybill=f"SF{order_id:09d}"
            ),
            self.act("logistics", order_id, "receive", condition="intact"),
            self.act(
                "repair",
                order_id,
                "inspection",
                findings="burnt capacitor",
                under_warranty=warranty,
            ),
            self.act("repair", order_id, "quote", amount_fen=amount_fen, note="replace board"),
        ]
        for response in steps:
            assert response.status_code == 200, response.text

    def pay_offline(
        self, customer: dict[str, str], request_id: int, order_ids: list[int]
    ) -> dict[str, Any]:
        """The customer pays the orders offline with a proof; returns the submitted payment."""
        payment = self.client.post(
            f"/api/repair/requests/{request_id}/payments",
            json={"method": "offline", "order_ids": order_ids},
            headers=customer,
        )
        assert payment.status_code == 201, payment.text
        return self.submit_proof(customer, payment.json())

    def upload(self, headers: dict[str, str], kind: str, name: str = "photo.jpg") -> dict[str, str]:
        """Upload a small JPEG as ``headers``' owner; returns the attachment reference."""
        buffer = io.BytesIO()
        Image.new("RGB", (32, 24), "teal").save(buffer, "JPEG")
        response = self.client.put(
            "/api/repair/files",
            content=buffer.getvalue(),
            headers={**headers, "Content-Type": "application/octet-stream", "X-File-Name": name},
        )
        assert response.status_code == 201, response.text
        return {"kind": kind, "key": response.json()["key"], "name": name}

    def upload_pdf(self, headers: dict[str, str], name: str = "invoice.pdf") -> str:
        """Upload a minimal PDF as ``headers``' owner; returns its key."""
        response = self.client.put(
            "/api/repair/files",
            content=b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
            headers={**headers, "Content-Type": "application/octet-stream", "X-File-Name": name},
        )
        assert response.status_code == 201, response.text
        return str(response.json()["key"])

    def submit_proof(self, customer: dict[str, str], payment: dict[str, Any]) -> dict[str, Any]:
        response = self.client.post(
            f"/api/repair/payments/{payment['id']}/proof",
            json={
                "expected_version": payment["version"],
                "proofs": [self.upload(customer, "payment_proof", "proof.jpg")],
            },
            headers=customer,
        )
        assert response.status_code == 200, response.text
        return dict(response.json())

    def place_at(
        self, order_id: int, node: str, *, started: bool = False, quote_fen: int = 5_000
    ) -> None:
        """Test shortcut: put an order straight at ``node`` (the end-to-end tests walk there)."""
        now = utcnow()
        with Session(self.engine) as session:
            order = session.get(RepairOrder, order_id)
            assert order is not None
            for tick in session.exec(select(Tick).where(Tick.order_id == order_id)):
                tick.completed_at = tick.completed_at or now
                session.add(tick)
            session.add(
                Tick(
                    order_id=order_id,
                    node_code=node,
                    entered_at=now,
                    started_at=now if started else None,
                )
            )
            if node in ("customer_agreement", "fee_collection"):
                decision = "agreed" if node == "fee_collection" else None
                session.add(
                    Quote(order_id=order_id, amount_fen=quote_fen, staff_id=1, decision=decision)
                )
            order.node_code, order.node_entered_at = node, now
            order.receiving_address_id = session.exec(select(ReceivingAddress.id)).first()
            session.add(order)
            session.commit()

    def address_id(self) -> int:
        response = self.client.get("/api/repair/staff/addresses", headers=self.staff("admin"))
        return int(response.json()[0]["id"])


@pytest.fixture
def world(
    engine: Engine,
    keys: tuple[TokenSigner, TokenVerifier],
    database_url: str,
    tmp_path: Path,
) -> Iterator[World]:
    _empty_tables(engine)
    with open_world(engine, keys, database_url, tmp_path) as world:
        yield world


@contextmanager
def open_world(
    engine: Engine,
    keys: tuple[TokenSigner, TokenVerifier],
    database_url: str,
    tmp_path: Path,
    file_limits: SizeLimits | None = None,
) -> Iterator[World]:
    """Seed the (empty) database behind ``engine`` and serve the app on it to a test client."""
    _seed(engine)
    signer, verifier = keys
    files = FileHandler(
        LocalDiskStorage(tmp_path / "files"),
        limits=file_limits or SizeLimits(),
        spool_dir=tmp_path,
    )
    app = create_app(
        Settings(repair_database_url=database_url), engine=engine, verifier=verifier, files=files
    )
    with TestClient(app) as client:
        yield World(client, signer, engine)
