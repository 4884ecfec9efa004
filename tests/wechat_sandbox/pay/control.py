"""The customer's side of paying (the pay page) and the JSON controls tests drive it with."""

import html
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel

from .crypto import signed_message, verify
from .notify import Variant, deliver
from .state import PayMerchant, PaySandbox, SandboxOrder, Signer


class SigningMode(BaseModel):
    mode: Signer


class MerchantRegistration(BaseModel):
    """A merchant as configured on the merchant platform: API certificate and APIv3 key."""

    mchid: str
    appid: str
    certificate_pem: str
    apiv3_key: str


class NotifyRequest(BaseModel):
    variant: Variant = Variant.NORMAL
    signer: Signer | None = None


class BridgeParameters(BaseModel):
    """What the page passes to ``chooseWXPay``; WeChat checks paySign before showing the sheet."""

    appId: str  # noqa: N815 - WeChat's own field names
    timeStamp: str  # noqa: N815
    nonceStr: str  # noqa: N815
    package: str
    signType: Literal["RSA"] = "RSA"  # noqa: N815
    paySign: str  # noqa: N815


def pay_control_router(sandbox: PaySandbox) -> APIRouter:
    """``/sandbox/pay/...``: the pay page, its buttons and the test controls."""
    router = APIRouter(prefix="/sandbox/pay", tags=["sandbox: WeChat Pay controls"])

    def order_for(prepay_id: str) -> SandboxOrder:
        order = sandbox.by_prepay_id.get(prepay_id)
        if order is None:
            raise HTTPException(404, {"code": "ORDER_NOT_EXIST", "message": "prepay_id 无效"})
        return order

    @router.get("/control/platform-keys")
    def platform_keys() -> dict[str, str]:
        """What a merchant downloads from the merchant platform for public-key mode."""
        return {
            "certificate_serial": sandbox.keys.certificate.serial,
            "certificate_pem": sandbox.keys.certificate.certificate_pem,
            "public_key_id": sandbox.keys.public_key.serial,
            "public_key_pem": sandbox.keys.public_key.public_key_pem,
        }

    @router.put("/control/signing")
    def set_signing(mode: SigningMode) -> dict[str, str]:
        """Which platform key signs notifications: certificate, public_key or switch."""
        sandbox.signer = mode.mode
        return {"mode": sandbox.signer.value}

    @router.post("/control/rotate-certificate")
    def rotate_certificate() -> dict[str, str]:
        """Renew the platform certificate; merchants must fetch it on first sight of its serial."""
        return {"certificate_serial": sandbox.rotate_certificate().serial}

    @router.post("/control/merchants", status_code=201)
    def register_merchant(registration: MerchantRegistration) -> dict[str, str]:
        merchant = PayMerchant.from_certificate(
            registration.mchid,
            registration.appid,
            registration.certificate_pem,
            registration.apiv3_key,
        )
        sandbox.add_merchant(merchant)
        return {"mchid": merchant.mchid, "cert_serial": merchant.cert_serial}

    @router.post("/control/check-pay-sign")
    def check_pay_sign(parameters: BridgeParameters) -> dict[str, Any]:
        """Whether chooseWXPay's parameters are signed by the merchant owning the order."""
        return {"valid": _pay_sign_valid(sandbox, parameters)}

    @router.get("/control/orders/{prepay_id}")
    def order_state(prepay_id: str) -> dict[str, Any]:
        order = order_for(prepay_id)
        return {
            **order.transaction(),
            "prepay_id": order.prepay_id,
            "deliveries": [delivery.public() for delivery in order.deliveries],
        }

    @router.post("/{prepay_id}/pay")
    async def pay(prepay_id: str) -> dict[str, Any]:
        """The customer pays: the order succeeds and a notification goes to the notify URL."""
        order = order_for(prepay_id)
        with sandbox.lock:
            refusal = _cannot_pay(order)
            if refusal:
                raise HTTPException(409, {"code": refusal[0], "message": refusal[1]})
            sandbox.mark_paid(order)
        delivery = await deliver(sandbox, order, Variant.NORMAL)
        return {"trade_state": order.trade_state, "delivery": delivery.public()}

    @router.post("/{prepay_id}/cancel")
    def cancel(prepay_id: str) -> dict[str, str]:
        """The customer closes the pay sheet: nothing changes, the order stays unpaid."""
        order = order_for(prepay_id)
        return {"result": "cancel", "trade_state": order.trade_state}

    @router.post("/{prepay_id}/notify")
    async def notify(prepay_id: str, request: NotifyRequest) -> dict[str, Any]:
        """Send one notification of the chosen variant (see ``Variant``) for this order."""
        order = order_for(prepay_id)
        if request.variant is Variant.NORMAL and order.trade_state != "SUCCESS":
            raise HTTPException(409, {"code": "NOTPAY", "message": "订单未支付，先支付"})
        try:
            delivery = await deliver(sandbox, order, request.variant, request.signer)
        except LookupError as error:
            raise HTTPException(409, {"code": "NOTHING_SENT", "message": str(error)}) from error
        return {"delivery": delivery.public()}

    @router.get("/{prepay_id}", response_class=HTMLResponse)
    def pay_page(
        prepay_id: str,
        return_url: str | None = Query(default=None),
        appId: str | None = None,  # noqa: N803 - chooseWXPay's names, passed on by the bridge
        timeStamp: str | None = None,  # noqa: N803
        nonceStr: str | None = None,  # noqa: N803
        package: str | None = None,
        paySign: str | None = None,  # noqa: N803
    ) -> HTMLResponse:
        """The pay sheet ``chooseWXPay`` opens; with the bridge's parameters, paySign is checked."""
        order = order_for(prepay_id)
        sign_problem = ""
        if paySign is not None:
            parameters = BridgeParameters(
                appId=appId or "",
                timeStamp=timeStamp or "",
                nonceStr=nonceStr or "",
                package=package or "",
                paySign=paySign,
            )
            if parameters.package != f"prepay_id={prepay_id}" or not _pay_sign_valid(
                sandbox, parameters
            ):
                sign_problem = "支付验证签名失败 (paySign does not verify)"
        return HTMLResponse(_render_page(sandbox, order, return_url, sign_problem))

    return router


def _cannot_pay(order: SandboxOrder) -> tuple[str, str] | None:
    if order.trade_state == "SUCCESS":
        return "ORDERPAID", "订单已支付"
    if order.trade_state == "CLOSED":
        return "ORDER_CLOSED", "订单已关闭"
    if order.expired:
        return "ORDER_EXPIRED", "订单已过期"
    return None


def _pay_sign_valid(sandbox: PaySandbox, parameters: BridgeParameters) -> bool:
    merchant = sandbox.merchant_for_appid(parameters.appId)
    if merchant is None:
        return False
    message = signed_message(
        parameters.appId, parameters.timeStamp, parameters.nonceStr, parameters.package
    )
    return verify(merchant.public_key_pem, message, parameters.paySign)


def _render_page(
    sandbox: PaySandbox, order: SandboxOrder, return_url: str | None, sign_problem: str
) -> str:
    merchant = sandbox.merchants.get(order.mchid)
    refusal = sign_problem or (_cannot_pay(order) or ("", ""))[1]
    values = {
        "merchant": html.escape(merchant.name if merchant else order.mchid),
        "description": html.escape(str(order.request["description"])),
        "amount": f"{order.amount_total // 100}.{order.amount_total % 100:02d}",
        "out_trade_no": html.escape(order.out_trade_no),
        "state": html.escape(order.trade_state),
        "prepay_id": html.escape(order.prepay_id),
        "return_url": html.escape(return_url or "", quote=True),
        "refusal": html.escape(refusal),
        "disabled": "disabled" if refusal else "",
    }
    return PAGE.format(**values)


PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>微信支付 (sandbox)</title>
<style>
body{{font-family:sans-serif;margin:0;background:#ededed;color:#111}}
main{{max-width:420px;margin:0 auto;padding:24px 16px}}
.sheet{{background:#fff;border-radius:8px;padding:20px;text-align:center}}
.amount{{font-size:40px;font-weight:600;margin:12px 0}}
.meta{{color:#888;font-size:13px;word-break:break-all}}
button{{display:block;width:100%;margin:10px 0;padding:12px;border:0;border-radius:6px;
  font-size:16px}}
.pay{{background:#07c160;color:#fff}} .cancel{{background:#f2f2f2}}
.faults button{{background:#fff;border:1px solid #ccc;font-size:14px;padding:8px}}
.refusal{{color:#fa5151}} #result{{min-height:1.5em;font-size:14px;word-break:break-all}}
</style></head>
<body><main data-prepay-id="{prepay_id}" data-return-url="{return_url}">
<div class="sheet">
  <div>{merchant}</div>
  <div class="amount">¥{amount}</div>
  <div>{description}</div>
  <p class="meta">商户订单号 {out_trade_no} · 状态 <span id="state">{state}</span></p>
  <p class="refusal">{refusal}</p>
  <button class="pay" data-action="pay" {disabled}>立即支付 Pay</button>
  <button class="cancel" data-action="cancel">取消 Cancel</button>
  <p id="result" role="status"></p>
</div>
<details class="faults"><summary>Sandbox: send a notification that must be refused or
deduplicated</summary>
  <button data-notify="duplicate">Duplicate of the last notification</button>
  <button data-notify="stale">Stale (timestamp 10 minutes old)</button>
  <button data-notify="tampered">Tampered body</button>
  <button data-notify="signtest">SIGNTEST probe</button>
</details>
</main>
<script>
const main = document.querySelector("main");
const base = "/sandbox/pay/" + main.dataset.prepayId;
const result = document.getElementById("result");
function finish(outcome) {{
  const message = {{source: "wechat-sandbox-pay", prepayId: main.dataset.prepayId,
                    err_msg: "get_brand_wcpay_request:" + outcome}};
  if (window.parent !== window) window.parent.postMessage(message, "*");
  if (window.opener) window.opener.postMessage(message, "*");
  if (main.dataset.returnUrl) {{
    const target = new URL(main.dataset.returnUrl, location.href);
    target.searchParams.set("pay_result", outcome);
    location.href = target.toString();
  }}
}}
async function post(path, body) {{
  const response = await fetch(base + path, {{method: "POST",
    headers: {{"Content-Type": "application/json"}}, body: JSON.stringify(body || {{}})}});
  return [response.ok, await response.json()];
}}
document.querySelectorAll("[data-action]").forEach((button) => {{
  button.addEventListener("click", async () => {{
    const [ok, data] = await post("/" + button.dataset.action);
    if (button.dataset.action === "cancel") {{
      result.textContent = "已取消"; finish("cancel"); return;
    }}
    if (!ok) {{ result.textContent = data.detail.message; finish("fail"); return; }}
    document.getElementById("state").textContent = data.trade_state;
    result.textContent = "支付成功 · notify answered " + data.delivery.status_code;
    finish("ok");
  }});
}});
document.querySelectorAll("[data-notify]").forEach((button) => {{
  button.addEventListener("click", async () => {{
    const [ok, data] = await post("/notify", {{variant: button.dataset.notify}});
    result.textContent = ok ? button.dataset.notify + " → merchant answered "
      + data.delivery.status_code + " " + data.delivery.answer : data.detail.message;
  }});
}});
</script>
</body></html>
"""
