"""Make a self-signed TLS certificate for nginx on a local or staging deployment.

    python self_signed_cert.py /etc/nginx/tls [host names...]

Writes ``reparo.crt`` and ``reparo.key`` into the folder unless both are already there, so a
restart keeps the certificate a browser was told to trust. Production mounts a real certificate
in the same folder instead, and this does nothing. Needs only ``cryptography``, which every
Reparo image has.
"""

import datetime
import ipaddress
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID_DAYS = 365


def subject_names(hosts: list[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return names


def write_certificate(folder: Path, hosts: list[str]) -> bool:
    """Write a new key and certificate for ``hosts``; False when both files exist already."""
    certificate_path, key_path = folder / "reparo.crt", folder / "reparo.key"
    if certificate_path.exists() and key_path.exists():
        return False

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(subject_names(hosts)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )

    folder.mkdir(parents=True, exist_ok=True)
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return True


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0])
    hosts = [host for host in argv[1:] if host] or ["localhost", "127.0.0.1"]
    made = write_certificate(folder, hosts)
    print(f"{'made' if made else 'kept'} a certificate for {', '.join(hosts)} in {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
