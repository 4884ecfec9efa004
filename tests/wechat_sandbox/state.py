"""The sandbox's memory: the account, its users, issued tokens and codes, what was sent.

Everything lives in one ``SandboxState`` object per app. The clock can be moved forward by tests
(``advance``) so that five-minute windows and token lifetimes can be crossed without waiting.
"""

import json
import secrets
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ACCESS_TOKEN_LIFETIME = 7200
OVERLAP_SECONDS = 300
AUTH_CODE_LIFETIME = 300
DEDUP_SECONDS = 600


@dataclass
class SandboxUser:
    """A WeChat user as the official account sees them."""

    openid: str
    nickname: str
    unionid: str | None = None
    follows: bool = True
    sex: int = 0
    city: str = ""
    province: str = ""
    country: str = "中国"
    headimgurl: str = ""


@dataclass
class IssuedToken:
    value: str
    expires_at: float
    kind: str


@dataclass
class AuthCode:
    code: str
    openid: str
    scope: str
    issued_at: float
    snapshot: bool
    used: bool = False


@dataclass
class SnsToken:
    value: str
    openid: str
    scope: str
    expires_at: float


@dataclass
class DeliveredMessage:
    """One message as the user's WeChat shows it."""

    msgid: int
    kind: str
    openid: str
    template_id: str
    data: dict[str, str]
    url: str | None
    received_at: float
    client_msg_id: str | None = None


@dataclass
class Fault:
    """What the next calls to one path answer instead of the real thing."""

    remaining: int
    errcode: int | None = None
    http_status: int | None = None
    hang_seconds: float | None = None
    after: int = 0
    expire_tokens: bool = False


@dataclass
class Template:
    template_id: str
    title: str
    keys: list[str]


def _demo_users() -> list[SandboxUser]:
    return [
        SandboxUser("oSbx_zhangwei", "张伟", unionid="uSbx_zhangwei", city="深圳", sex=1),
        SandboxUser("oSbx_lina", "李娜 🌸", unionid="uSbx_lina", city="上海", sex=2),
        SandboxUser("oSbx_maria", "Maria Silva", unionid="uSbx_maria", country="巴西"),
        SandboxUser("oSbx_wangfang", "王芳", unionid=None, follows=False, city="北京"),
    ]


def _demo_templates() -> list[Template]:
    return [
        Template(
            "TPL_REQUEST_REVIEWED", "维修申请审核结果", ["character_string1", "thing2", "thing3"]
        ),
        Template("TPL_QUOTE_SENT", "维修报价通知", ["character_string1", "amount2", "thing3"]),
        Template(
            "TPL_PAYMENT_CONFIRMED", "付款成功通知", ["character_string1", "amount2", "time3"]
        ),
        Template(
            "TPL_SHIPPED_BACK", "产品寄回通知", ["character_string1", "thing2", "character_string3"]
        ),
        Template("TPL_INVOICE_READY", "发票开具通知", ["character_string1", "thing2"]),
    ]


@dataclass
class SandboxState:
    """All sandbox data; methods are the few rules shared by several endpoints."""

    appid: str
    secret: str
    state_file: Path | None = None
    # Hosts allowed in redirect_uri (the account's "网页授权域名"); empty allows any.
    oauth_domains: list[str] = field(default_factory=list)
    clock_offset: float = 0.0
    users: dict[str, SandboxUser] = field(default_factory=dict)
    templates: dict[str, Template] = field(default_factory=dict)
    access_tokens: dict[str, IssuedToken] = field(default_factory=dict)
    stable_token: str | None = None
    classic_token: str | None = None
    jsapi_ticket: IssuedToken | None = None
    auth_codes: dict[str, AuthCode] = field(default_factory=dict)
    sns_tokens: dict[str, SnsToken] = field(default_factory=dict)
    sns_refresh_tokens: dict[str, tuple[str, str]] = field(default_factory=dict)
    messages: list[DeliveredMessage] = field(default_factory=list)
    consents: Counter[tuple[str, str]] = field(default_factory=Counter)
    menu: dict[str, Any] | None = None
    articles: list[dict[str, Any]] = field(default_factory=list)
    images: dict[str, str] = field(default_factory=dict)
    faults: dict[str, Fault] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    next_msgid: int = 2_800_000_000

    @classmethod
    def seeded(cls, appid: str, secret: str, state_file: Path | None = None) -> "SandboxState":
        """A fresh state with the demo users and templates (and the saved file, if any)."""
        state = cls(appid=appid, secret=secret, state_file=state_file)
        state.users = {user.openid: user for user in _demo_users()}
        state.templates = {tpl.template_id: tpl for tpl in _demo_templates()}
        state._load()
        return state

    def now(self) -> float:
        return time.time() + self.clock_offset

    def new_secret_value(self, prefix: str = "") -> str:
        return prefix + secrets.token_urlsafe(48).replace("-", "").replace("_", "")[:64]

    def issue_access_token(self, kind: str) -> IssuedToken:
        token = IssuedToken(self.new_secret_value(), self.now() + ACCESS_TOKEN_LIFETIME, kind)
        self.access_tokens[token.value] = token
        return token

    def new_msgid(self) -> int:
        self.next_msgid += 1
        return self.next_msgid

    def take_fault(self, path: str) -> Fault | None:
        """Use up one injected fault for ``path``, if any is armed."""
        fault = self.faults.get(path)
        if fault is None:
            return None
        if fault.after > 0:
            fault.after -= 1
            return None
        fault.remaining -= 1
        if fault.remaining <= 0:
            del self.faults[path]
        return fault

    def save(self) -> None:
        """Write what a demo wants to keep (users, messages, menu, consents) to the state file."""
        if self.state_file is None:
            return
        snapshot = {
            "users": [asdict(user) for user in self.users.values()],
            "messages": [asdict(message) for message in self.messages],
            "menu": self.menu,
            "consents": [[openid, tpl, n] for (openid, tpl), n in self.consents.items()],
        }
        self.state_file.write_text(json.dumps(snapshot, ensure_ascii=False, indent=1), "utf-8")

    def _load(self) -> None:
        if self.state_file is None or not self.state_file.exists():
            return
        snapshot = json.loads(self.state_file.read_text("utf-8"))
        self.users = {row["openid"]: SandboxUser(**row) for row in snapshot.get("users", [])}
        self.messages = [DeliveredMessage(**row) for row in snapshot.get("messages", [])]
        self.menu = snapshot.get("menu")
        for openid, template_id, count in snapshot.get("consents", []):
            self.consents[(openid, template_id)] = count
        if self.messages:
            self.next_msgid = max(message.msgid for message in self.messages)
