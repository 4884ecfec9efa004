"""The local demo runs on SQLite: concurrent requests wait for each other instead of failing."""

import io
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import text

from repair_service.app import create_app
from repair_service.db import make_engine
from repair_service.settings import Settings
from reparo_shared.files import FileHandler, LocalDiskStorage
from reparo_shared.identity import TokenSigner, TokenVerifier, generate_keypair

from .conftest import World, _seed, alembic_config


def _photo(colour: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (48, 32), (colour, 80, 120)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_parallel_uploads_on_sqlite_all_succeed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    _seed(engine)
    private_pem, public_pem = generate_keypair()
    signer = TokenSigner(private_pem, "k")
    files = FileHandler(LocalDiskStorage(tmp_path / "files"), spool_dir=tmp_path)
    app = create_app(
        Settings(repair_database_url=url),
        engine=engine,
        verifier=TokenVerifier({"k": public_pem}),
        files=files,
    )
    with TestClient(app) as client:
        world = World(client, signer, engine)
        customer = world.new_customer(f"openid-{uuid.uuid4().hex[:8]}")

        def upload(index: int) -> int:
            response = client.put(
                "/api/repair/files",
                content=_photo(index * 10),
                headers={
                    **customer,
                    "Content-Type": "application/octet-stream",
                    "X-File-Name": f"photo-{index}.jpg",
                },
            )
            return response.status_code

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(upload, range(16)))

    assert statuses == [201] * 16
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
