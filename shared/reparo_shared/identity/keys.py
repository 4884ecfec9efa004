"""Key generation and loading for customer and service tokens."""

import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def generate_keypair() -> tuple[str, str]:
    """Return a new Ed25519 key pair as (private PEM, public PEM)."""
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public_pem = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private_pem, public_pem


def load_public_keys(source: str) -> dict[str, str]:
    """Read public keys by key id from a JSON object ``{"kid": "PEM", ...}``.

    ``source`` is either the JSON text itself or the path of a file holding it, so the keys can
    be given inline in an environment variable or mounted as a file.
    """
    text = source.strip()
    if not text.startswith("{"):
        text = Path(text).read_text(encoding="utf-8")
    keys = json.loads(text)
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ValueError("public keys must be a JSON object mapping key ids to PEM strings")
    return keys


def write_demo_keys(folder: Path, kid: str = "demo-1") -> tuple[Path, Path]:
    """Create a demo key pair under ``folder`` unless one is there; return both file paths."""
    folder.mkdir(parents=True, exist_ok=True)
    private_path = folder / "customer-token-private.pem"
    public_path = folder / "customer-token-public-keys.json"
    if not private_path.exists() or not public_path.exists():
        private_pem, public_pem = generate_keypair()
        private_path.write_text(private_pem, encoding="utf-8")
        private_path.chmod(0o600)
        public_path.write_text(json.dumps({kid: public_pem}), encoding="utf-8")
    return private_path, public_path
