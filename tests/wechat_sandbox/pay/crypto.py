"""WeChat Pay's side of the cryptography: signatures, the Authorization header, AES-256-GCM."""

import base64
import re
import secrets
import string
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

AUTH_SCHEME = "WECHATPAY2-SHA256-RSA2048"
_AUTH_FIELD = re.compile(r'(\w+)="([^"]*)"')


def sign(private_key_pem: str, message: str) -> str:
    """Base64 SHA256-with-RSA (PKCS#1 v1.5) over the UTF-8 message, as WeChat Pay signs."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def verify(public_key_pem: str, message: bytes, signature_b64: str) -> bool:
    """Whether ``signature_b64`` is a valid SHA256-with-RSA signature of ``message``."""
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    try:
        key.verify(base64.b64decode(signature_b64), message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_message(*parts: str | bytes) -> bytes:
    """WeChat Pay's signing string: each part followed by a newline."""
    return b"".join((part.encode() if isinstance(part, str) else part) + b"\n" for part in parts)


@dataclass(frozen=True)
class Authorization:
    """The fields of a merchant's ``Authorization: WECHATPAY2-SHA256-RSA2048 ...`` header."""

    mchid: str
    nonce_str: str
    signature: str
    timestamp: str
    serial_no: str


def parse_authorization(header: str) -> Authorization | None:
    """Read the Authorization header; None when it is not WeChat Pay's scheme or lacks a field."""
    scheme, _, rest = header.strip().partition(" ")
    if scheme != AUTH_SCHEME:
        return None
    fields = dict(_AUTH_FIELD.findall(rest))
    try:
        return Authorization(
            mchid=fields["mchid"],
            nonce_str=fields["nonce_str"],
            signature=fields["signature"],
            timestamp=fields["timestamp"],
            serial_no=fields["serial_no"],
        )
    except KeyError:
        return None


def random_text(length: int) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


def aes_gcm_encrypt(apiv3_key: str, plaintext: str, associated_data: str) -> dict[str, str]:
    """An APIv3 ``resource``/``encrypt_certificate`` object: 12-character nonce, base64 text."""
    nonce = random_text(12)
    ciphertext = AESGCM(apiv3_key.encode()).encrypt(
        nonce.encode(), plaintext.encode(), associated_data.encode()
    )
    return {
        "algorithm": "AEAD_AES_256_GCM",
        "nonce": nonce,
        "associated_data": associated_data,
        "ciphertext": base64.b64encode(ciphertext).decode(),
    }
