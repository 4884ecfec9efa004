"""Signed customer and service tokens between the gateway and the services.

The gateway holds an Ed25519 private key and signs a short-lived JWT for every call it makes to a
service. The services hold only public keys, looked up by the token's key id (``kid``) so keys can
rotate: publish the new public key, switch the gateway's signing key, then drop the old public key.

Two kinds of token exist:

- ``customer``: names a signed-in customer (``sub`` is the customer's id in repair_service,
  ``openid`` their WeChat openid).
- ``service``: names a calling service (``sub`` is e.g. ``"gateway"``); used before a customer id
  exists, for example to find or create the customer on first sign-in.
"""

from reparo_shared.identity.keys import generate_keypair, load_public_keys
from reparo_shared.identity.tokens import (
    InvalidToken,
    Principal,
    TokenSigner,
    TokenVerifier,
)

__all__ = [
    "InvalidToken",
    "Principal",
    "TokenSigner",
    "TokenVerifier",
    "generate_keypair",
    "load_public_keys",
]
