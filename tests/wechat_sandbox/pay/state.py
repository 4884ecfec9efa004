"""What the sandbox's WeChat Pay remembers: its platform keys, merchants and orders."""

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography import x509

from reparo_shared.wechat_pay.demo_keys import RsaIdentity, generate_rsa_identity

CST = timezone(timedelta(hours=8))


class Signer(StrEnum):
    """Which platform key signs notifications."""

    CERTIFICATE = "certificate"
    PUBLIC_KEY = "public_key"
    # WeChat's migration period: either may arrive; we alternate so both are exercised.
    SWITCH = "switch"


@dataclass(frozen=True)
class SigningKey:
    """A platform private key and the serial WeChat Pay names it by in ``Wechatpay-Serial``."""

    serial: str
    private_key_pem: str
    public_key_pem: str


@dataclass(frozen=True)
class PlatformKeys:
    """The platform certificate (certificate mode) and the platform public key (public-key mode).

    They are two different key pairs, as at WeChat Pay.
    """

    certificate: RsaIdentity
    public_key: SigningKey

    @property
    def certificate_key(self) -> SigningKey:
        identity = self.certificate
        return SigningKey(identity.serial, identity.private_key_pem, identity.public_key_pem)

    @classmethod
    def generate(cls) -> "PlatformKeys":
        certificate = generate_rsa_identity("Tenpay.com Root CA (sandbox)")
        other = generate_rsa_identity("WeChat Pay public key (sandbox)")
        key_id = "PUB_KEY_ID_01" + "".join(secrets.choice("0123456789") for _ in range(32))
        return cls(certificate, SigningKey(key_id, other.private_key_pem, other.public_key_pem))

    @classmethod
    def load_or_generate(cls, folder: Path | None) -> "PlatformKeys":
        """Keep the keys in ``folder`` across restarts (services cache them); generate once."""
        if folder is None:
            return cls.generate()
        path = folder / "wechat-pay-platform-keys.json"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(RsaIdentity(**data["certificate"]), SigningKey(**data["public_key"]))
        keys = cls.generate()
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(
            json.dumps(
                {"certificate": vars(keys.certificate), "public_key": vars(keys.public_key)}
            ),
            encoding="utf-8",
        )
        path.chmod(0o600)
        return keys


@dataclass(frozen=True)
class PayMerchant:
    """A merchant as WeChat Pay knows it: its API certificate's public key and its APIv3 key."""

    mchid: str
    appid: str
    cert_serial: str
    public_key_pem: str
    apiv3_key: str
    name: str = "Reparo"

    @classmethod
    def from_certificate(
        cls, mchid: str, appid: str, certificate_pem: str, apiv3_key: str
    ) -> "PayMerchant":
        certificate = x509.load_pem_x509_certificate(certificate_pem.encode())
        serial = format(certificate.serial_number, "X")
        identity = RsaIdentity("", certificate_pem, serial)
        return cls(mchid, appid, serial, identity.public_key_pem, apiv3_key)


@dataclass(frozen=True)
class Delivery:
    """One notification as sent to a notify URL, and what the merchant answered."""

    prepay_id: str
    variant: str
    headers: dict[str, str]
    body: bytes
    sent_at: datetime
    status_code: int | None
    answer: str

    def public(self) -> dict[str, Any]:
        return {
            "variant": self.variant,
            "serial": self.headers.get("Wechatpay-Serial"),
            "sent_at": self.sent_at.isoformat(),
            "status_code": self.status_code,
            "answer": self.answer,
        }


@dataclass
class SandboxOrder:
    """One JSAPI order; ``request`` is the create call's body, compared on a repeat."""

    request: dict[str, Any]
    prepay_id: str
    created_at: datetime
    trade_state: str = "NOTPAY"
    transaction_id: str | None = None
    success_time: datetime | None = None
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def mchid(self) -> str:
        return str(self.request["mchid"])

    @property
    def out_trade_no(self) -> str:
        return str(self.request["out_trade_no"])

    @property
    def amount_total(self) -> int:
        return int(self.request["amount"]["total"])

    @property
    def expired(self) -> bool:
        expire = self.request.get("time_expire")
        return bool(expire) and datetime.fromisoformat(str(expire)) < datetime.now(UTC)

    def transaction(self) -> dict[str, Any]:
        """The order as the query API and the notification resource describe it."""
        paid = self.trade_state == "SUCCESS"
        data: dict[str, Any] = {
            "appid": self.request["appid"],
            "mchid": self.mchid,
            "out_trade_no": self.out_trade_no,
            "trade_state": self.trade_state,
            "trade_state_desc": TRADE_STATE_DESCRIPTIONS[self.trade_state],
            "amount": {"total": self.amount_total, "currency": "CNY"},
        }
        if self.request.get("attach"):
            data["attach"] = self.request["attach"]
        if paid:
            assert self.success_time is not None
            data.update(
                transaction_id=self.transaction_id,
                trade_type="JSAPI",
                bank_type="OTHERS",
                success_time=self.success_time.astimezone(CST).isoformat(timespec="seconds"),
                payer={"openid": self.request["payer"]["openid"]},
                amount={
                    "total": self.amount_total,
                    "payer_total": self.amount_total,
                    "currency": "CNY",
                    "payer_currency": "CNY",
                },
            )
        return data


TRADE_STATE_DESCRIPTIONS = {
    "NOTPAY": "订单未支付",
    "SUCCESS": "支付成功",
    "CLOSED": "订单已关闭",
}


class PaySandbox:
    """The sandbox's WeChat Pay: keys, merchants and orders, safe to share between threads."""

    def __init__(self, keys: PlatformKeys | None = None, signer: Signer = Signer.CERTIFICATE):
        self.keys = keys or PlatformKeys.generate()
        self.signer = signer
        self.merchants: dict[str, PayMerchant] = {}
        self.orders: dict[tuple[str, str], SandboxOrder] = {}
        self.by_prepay_id: dict[str, SandboxOrder] = {}
        self.lock = threading.RLock()
        self._switch_turn = 0
        # Certificates replaced by a rotation: still listed by /v3/certificates until they expire.
        self.previous_certificates: list[RsaIdentity] = []

    def rotate_certificate(self) -> RsaIdentity:
        """A new platform certificate signs from now on, as when WeChat Pay renews it."""
        with self.lock:
            self.previous_certificates.append(self.keys.certificate)
            fresh = generate_rsa_identity("Tenpay.com Root CA (sandbox, renewed)")
            self.keys = PlatformKeys(fresh, self.keys.public_key)
            return fresh

    def add_merchant(self, merchant: PayMerchant) -> None:
        with self.lock:
            self.merchants[merchant.mchid] = merchant

    def merchant_for_appid(self, appid: str) -> PayMerchant | None:
        return next((m for m in self.merchants.values() if m.appid == appid), None)

    def notification_key(self, override: Signer | None = None) -> SigningKey:
        """The key the next notification is signed with."""
        mode = override or self.signer
        if mode is Signer.SWITCH:
            with self.lock:
                self._switch_turn += 1
                mode = Signer.CERTIFICATE if self._switch_turn % 2 else Signer.PUBLIC_KEY
        if mode is Signer.PUBLIC_KEY:
            return self.keys.public_key
        return self.keys.certificate_key

    def response_key(self, request_serial: str | None) -> SigningKey:
        """Answers are signed with the public key when the merchant's request names its id."""
        if request_serial and request_serial == self.keys.public_key.serial:
            return self.keys.public_key
        return self.keys.certificate_key

    def create_order(self, request: dict[str, Any]) -> tuple[SandboxOrder, str | None]:
        """Store a new order, or return the existing one; the str is an error code if refused."""
        key = (str(request["mchid"]), str(request["out_trade_no"]))
        with self.lock:
            existing = self.orders.get(key)
            if existing is not None:
                if existing.request != request:
                    return existing, "OUT_TRADE_NO_USED"
                if existing.trade_state == "SUCCESS":
                    return existing, "ORDERPAID"
                if existing.trade_state == "CLOSED":
                    return existing, "ORDER_CLOSED"
                return existing, None
            now = datetime.now(UTC)
            prepay_id = f"wx{now.astimezone(CST):%d%H%M%S}{secrets.token_hex(13)}"
            order = SandboxOrder(request=request, prepay_id=prepay_id, created_at=now)
            self.orders[key] = order
            self.by_prepay_id[prepay_id] = order
            return order, None

    def mark_paid(self, order: SandboxOrder) -> None:
        with self.lock:
            order.trade_state = "SUCCESS"
            order.success_time = datetime.now(UTC).replace(microsecond=0)
            order.transaction_id = "4200" + "".join(secrets.choice("0123456789") for _ in range(24))
