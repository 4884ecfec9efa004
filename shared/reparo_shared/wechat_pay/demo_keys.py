"""Demo merchant keys for local runs and tests, generated on the machine, never committed.

A real merchant downloads its API certificate and key from the merchant platform; here we make
an RSA 2048 key and a self-signed certificate whose serial plays the API certificate serial.
"""

import secrets
import string
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class RsaIdentity:
    """An RSA key with a certificate: a merchant's API key or a platform certificate."""

    private_key_pem: str
    certificate_pem: str
    serial: str  # upper-case hexadecimal, as WeChat Pay writes serials

    @property
    def public_key_pem(self) -> str:
        certificate = x509.load_pem_x509_certificate(self.certificate_pem.encode())
        return (
            certificate.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )


def generate_rsa_identity(common_name: str, valid_days: int = 365) -> RsaIdentity:
    """A new RSA 2048 key and a self-signed certificate for ``common_name``."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    private_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    certificate_pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    return RsaIdentity(private_pem, certificate_pem, format(certificate.serial_number, "X"))


def generate_apiv3_key() -> str:
    """A 32-character APIv3 key, the form the merchant platform asks for."""
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(32))


def write_demo_merchant_keys(folder: Path) -> dict[str, str]:
    """Create the demo merchant's key, certificate and APIv3 key under ``folder`` once.

    Returns the environment both sides need: ``WECHAT_PAY_PRIVATE_KEY``,
    ``WECHAT_PAY_CERT_SERIAL`` and ``WECHAT_PAY_APIV3_KEY`` for the services, and
    ``SANDBOX_PAY_MERCHANT_CERT`` for the sandbox, which checks our request signatures with it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    key_path = folder / "wechat-pay-merchant-key.pem"
    cert_path = folder / "wechat-pay-merchant-cert.pem"
    apiv3_path = folder / "wechat-pay-apiv3-key.txt"
    if not (key_path.exists() and cert_path.exists() and apiv3_path.exists()):
        identity = generate_rsa_identity("Reparo demo merchant")
        key_path.write_text(identity.private_key_pem, encoding="utf-8")
        key_path.chmod(0o600)
        cert_path.write_text(identity.certificate_pem, encoding="utf-8")
        apiv3_path.write_text(generate_apiv3_key(), encoding="utf-8")
        apiv3_path.chmod(0o600)
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    return {
        "WECHAT_PAY_PRIVATE_KEY": str(key_path),
        "WECHAT_PAY_CERT_SERIAL": format(certificate.serial_number, "X"),
        "WECHAT_PAY_APIV3_KEY": apiv3_path.read_text(encoding="utf-8").strip(),
        "SANDBOX_PAY_MERCHANT_CERT": str(cert_path),
    }
