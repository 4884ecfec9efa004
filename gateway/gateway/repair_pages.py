"""The customer's repair pages: submit a request, follow orders, act on them; the public page.

Every page is rendered on the server so it paints before any script runs; repair_service decides
what the customer may do (``customer_actions``) and the pages only offer that.
"""

import json
import logging
import re
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from gateway import refused_forms
from gateway.errors import error_page
from gateway.formatting import DEFAULT_TIMEZONE, local_time, yuan
from gateway.i18n import request_language, translations
from gateway.identity import current_customer
from gateway.pages import jssdk_url, render
from gateway.refusals import refusal_text
from gateway.refused_forms import Refusal
from gateway.repair_client import RepairApiError, RepairClient, public_order
from gateway.routing import page_router
from gateway.wechat_signin import signin_url

logger = logging.getLogger(__name__)
router = page_router()

MAX_PRODUCTS = 20
UPLOAD_GROUPS = {
    "product_files": frozenset({"product_photo"}),
    "fault_files": frozenset({"fault_photo", "fault_video"}),
}
NODE_NAME_FIELD = {"zh-Hans": "zh_hans", "en": "en", "pt-BR": "pt_br"}


def _client_or_signin(request: Request) -> RepairClient | Response:
    customer = current_customer(request)
    if customer is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(signin_url(target), status_code=303)
    return RepairClient(request, customer)


def node_name(request: Request, node: dict[str, str]) -> str:
    return node.get(NODE_NAME_FIELD[request_language(request)]) or node["code"]


def order_state(request: Request, order: dict[str, Any]) -> str:
    """Where an open order stands (its step); for a closed one, how it ended: a rejected request
    stays at the review step, which is not where it stands."""
    status = order.get("status", "open")
    if status == "open":
        return node_name(request, order["node"])
    return code_label(request, f"order_{status}")


# Codes repair_service sends (payment methods and states, invoice kinds, tick outcomes), shown in
# the page's language. An unknown code is shown as it is rather than hidden.
CODE_LABELS = {
    "offline": "offline payment",
    "wechat": "WeChat Pay",
    "payment_pending": "not paid yet",
    "payment_submitted": "proof sent, waiting for confirmation",
    "payment_rejected": "proof rejected",
    "payment_cancelled": "cancelled",
    "confirmed": "confirmed",
    "rejected": "rejected",
    "general": "general invoice",
    "special": "special invoice",
    "submitted": "submitted",
    "approved": "approved",
    "shipped": "shipped",
    "received": "received",
    "in_warranty": "under warranty",
    "out_of_warranty": "out of warranty",
    "quoted": "quoted",
    "agreed": "agreed",
    "declined": "declined",
    "paid": "paid",
    "repaired": "repaired",
    "passed": "passed",
    "failed": "failed",
    "completed": "completed",
    "invoiced": "invoiced",
    "closed": "closed",
    # How a closed order ended, shown where an open order shows its step: capitalised like the
    # step names, unlike the tick outcomes above that follow a step's name.
    "order_rejected": "Not accepted",
    "order_completed": "Completed",
    "warranty_free": "free under warranty",
    "arrived_unannounced": "arrived without a waybill",
    "delivery_sent": "delivered",
    "delivery_retrying": "delivery being retried",
    "delivery_failed": "not delivered",
    "delivery_sending": "being sent",
    "delivery_unconfirmed": "delivery not confirmed",
    "review_approved": "request approved",
    "review_rejected": "request not accepted",
    "quote_sent": "quote sent",
    "proof_rejected": "payment proof rejected",
    "payment_confirmed": "payment confirmed",
    "shipped_back": "shipped back",
    "invoice_ready": "invoice ready",
    "ship_product": "Please ship your product to the address below and enter the waybill.",
    "agree_or_decline_quote": "Please agree to the quote or decline it.",
    "pay": "Please pay for the repair.",
    "resubmit_payment_proof": "Please upload a new payment proof.",
}


def code_label(request: Request, code: str | None) -> str:
    if not code:
        return ""
    label = CODE_LABELS.get(code)
    return translations(request_language(request)).gettext(label) if label else code


# An outcome code that reads differently at a step: "shipped" closes both the customer's shipping
# step (their parcel to us) and the warehouse exit (our parcel back to them).
OUTCOMES_AT_NODE = {("warehouse_exit", "shipped"): "shipped_back"}


def tick_outcome(tick: dict[str, Any]) -> str | None:
    """The code the timeline labels a step's outcome with."""
    outcome = tick.get("outcome")
    node_code = (tick.get("node") or {}).get("code", "")
    return OUTCOMES_AT_NODE.get((node_code, outcome), outcome) if outcome else None


def product_label(product_name: str | None, pn: str) -> str:
    """The product as the pages name it: the catalogue name and the part number, each once.

    A catalogue name that is the part number, or already carries it as a word, is shown alone;
    an order whose part number is not in the catalogue shows the part number alone.
    """
    name = (product_name or "").strip()
    if not name or not pn:
        return name or pn
    carries_pn = re.search(rf"(?<![\w-]){re.escape(pn)}(?![\w-])", name, re.IGNORECASE)
    return name if carries_pn else f"{name} · {pn}"


def _page(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    helpers = {
        "node_name": lambda node: node_name(request, node),
        "order_state": lambda order: order_state(request, order),
        "label": lambda code: code_label(request, code),
        "outcome_label": lambda tick: code_label(request, tick_outcome(tick)),
        "local_time": local_time,
        "product_label": product_label,
    }
    limits = request.app.state.upload_limits
    upload_limits = {"image": limits.image, "video": limits.video, "pdf": limits.pdf}
    return render(
        request, template, status_code, yuan=yuan, upload_limits=upload_limits,
        **helpers, **context,
    )  # fmt: skip


@router.get("/repair/new")
async def new_request_form(request: Request, pn: str = "") -> Response:
    """The request form; ``?pn=`` (from a product page's "repair this product") fills the first
    product in."""
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    first = {"pn": pn.strip()[:100]} if pn.strip() else {}
    return _page(request, "repair/new.html", form={}, items=[first], key=uuid.uuid4().hex)


@router.post("/repair/new")
async def submit_request(request: Request) -> Response:
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    form = await request.form()
    items = _items_from_form(form)
    body = {
        "contact_name": str(form.get("contact_name", "")).strip(),
        "contact_phone": str(form.get("contact_phone", "")).strip(),
        "ship_from_address": str(form.get("ship_from_address", "")).strip(),
        "items": _api_items(items),
    }
    key = str(form.get("idempotency_key") or uuid.uuid4().hex)
    try:
        created = await client.post("/requests", body, **{"Idempotency-Key": key})
    except RepairApiError as error:
        # Shown at the POST's address: with JavaScript the page replaces its history entry; without
        # it a reload resends the form, which the idempotency key makes harmless (the same answer)
        # but the browser still asks first. Carrying the whole form through a redirect, as the
        # order page does with its small forms, would mean storing every product block meanwhile.
        return _page(
            request, "repair/new.html", 422, form=body, items=items or [{}], key=key,
            error=_refusal(request, error),
        )  # fmt: skip
    # The flag asks the next page to offer the WeChat subscription prompt: right after submitting
    # is when a customer wants to hear how the request goes.
    return RedirectResponse(f"/repair/requests/{created['id']}?submitted=1", status_code=303)


def _items_from_form(form: FormData) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for index in range(MAX_PRODUCTS):
        item: dict[str, Any] = {
            field: str(form.get(f"items-{index}-{field}", "")).strip()
            for field in ("pn", "sn", "fault_description")
        }
        files = {
            group: _attachment_refs(form.get(f"items-{index}-{group}"), kinds)
            for group, kinds in UPLOAD_GROUPS.items()
        }
        # Every product block the form holds is sent, a blank one too: repair_service then names
        # the product and the field that is missing instead of refusing "the products" as a whole.
        if f"items-{index}-pn" in form or any(item.values()) or any(files.values()):
            item["attachments"] = [ref for refs in files.values() for ref in refs]
            items.append({**item, **{group: json.dumps(refs) for group, refs in files.items()}})
    return items


def _attachment_refs(raw: object, allowed_kinds: frozenset[str]) -> list[dict[str, str]]:
    """The uploader widget's references; anything malformed is dropped, never forwarded."""
    try:
        values = json.loads(str(raw or "[]"))
    except ValueError:
        return []
    if not isinstance(values, list):
        return []
    return [
        {"kind": v["kind"], "key": str(v["key"]), "name": str(v.get("name", ""))[:200]}
        for v in values[:30]
        if isinstance(v, dict) and v.get("kind") in allowed_kinds and v.get("key")
    ]


def _api_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What repair_service takes: the widget's bookkeeping fields left out."""
    return [{k: v for k, v in item.items() if k not in UPLOAD_GROUPS} for item in items]


@router.get("/repair/mine")
async def my_requests(request: Request, page: str = "1") -> Response:
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    # A mistyped page number shows the first page rather than a validation error.
    page_number = max(_int(page), 1)
    listing = await client.get("/requests", page=page_number, page_size=20)
    return _page(request, "repair/mine.html", listing=listing, page=page_number)


@router.get("/repair/requests/{request_id:int}")
async def request_detail(request: Request, request_id: int, submitted: bool = False) -> Response:
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    try:
        repair_request = await client.get(f"/requests/{request_id}")
    except RepairApiError as error:
        return _not_found(request) if error.status_code == 404 else _api_error(request, error)
    prompt = await _subscription_prompt(request, client, "submitted") if submitted else []
    return _page(request, "repair/request.html", repair_request=repair_request, subscribe=prompt)


async def _subscription_prompt(request: Request, client: RepairClient, moment: str) -> list[str]:
    """The subscription templates to ask the customer's consent for at this moment.

    Only where WeChat's JS-SDK runs (its open tag shows the consent sheet); a failure to ask
    repair_service costs the prompt, never the page.
    """
    if jssdk_url(request) is None:
        return []
    try:
        prompt = await client.get("/subscriptions/prompt", moment=moment)
    except RepairApiError:
        logger.warning("repair_pages.subscription_prompt_failed", extra={"moment": moment})
        return []
    return [str(template_id) for template_id in prompt["template_ids"]]


@router.get("/repair/orders/{order_id:int}")
async def order_detail(
    request: Request,
    order_id: int,
    agreed: str = "",
    shipment_saved: str = "",
    declined: str = "",
    pay: str = "",
) -> Response:
    """One order; the flags say which action just went through (``ORDER_ACTION_FLAGS``, and
    ``?pay=wechat`` once a WeChat payment was created: the page opens its pay sheet at once).
    The flags are plain text so that a mangled one costs its notice, never the page."""
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    prompt = await _subscription_prompt(request, client, "agreed") if agreed == "1" else []
    customer = current_customer(request)
    refused = refused_forms.take(request, customer.customer_id, order_id) if customer else None
    response = await _render_order(
        request, client, order_id, refused=refused, subscribe=prompt,
        shipment_saved=shipment_saved == "1", quote_declined=declined == "1",
        open_wechat_pay=pay == "wechat",
    )  # fmt: skip
    refused_forms.forget(request, response)
    return response


# The most each order page field takes, as repair_service's schemas allow: the form's maxlength
# says it to the browser, and the pages refuse a longer value before it goes anywhere.
FIELD_MAX_LENGTHS = {
    "courier": 100, "waybill": 100, "kind": 20, "title": 200, "tax_id": 18, "address": 300,
    "phone": 32, "bank": 200, "bank_account": 64,
}  # fmt: skip


def _show_refusal(
    request: Request,
    order_id: int,
    error: RepairApiError | str,
    form: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    """Redirect to the order page, which then shows ``error`` and the form named ``form`` holding
    what the customer typed (``gateway.refused_forms``); a value longer than its field allows is
    not carried back (the refusal names it: such values are refused before anything else)."""
    kept = {
        name: value
        for name, value in (typed or {}).items()
        if len(value) <= FIELD_MAX_LENGTHS.get(name, len(value))
    }
    response = RedirectResponse(f"/repair/orders/{order_id}", status_code=303)
    customer = current_customer(request)
    if customer is not None:
        refusal = Refusal(error=error, form=form, typed=kept)
        refused_forms.keep(request, response, customer.customer_id, order_id, refusal)
    return response


async def _render_order(
    request: Request,
    client: RepairClient,
    order_id: int,
    refused: Refusal | None = None,
    subscribe: list[str] | None = None,
    shipment_saved: bool = False,
    quote_declined: bool = False,
    open_wechat_pay: bool = False,
) -> Response:
    try:
        order = await client.get(f"/orders/{order_id}")
    except RepairApiError as failure:
        return _not_found(request) if failure.status_code == 404 else _api_error(request, failure)
    siblings: list[dict[str, Any]] = []
    if "choose_payment_method" in order["customer_actions"]:
        repair_request = await client.get(f"/requests/{order['request_id']}")
        siblings = [o for o in repair_request["orders"] if o["node"]["code"] == "fee_collection"]
    messages = await client.get(f"/orders/{order_id}/messages")
    titles = (
        await client.get("/me/invoice-titles")
        if "request_invoice" in order["customer_actions"]
        else []
    )
    error = refused and (
        refused.error
        if isinstance(refused.error, str)
        else _refusal(request, refused.error, order.get("timezone") or DEFAULT_TIMEZONE)
    )
    typed = {refused.form: refused.typed} if refused else {}
    dropped = list(refused.dropped) if refused else []
    account = request.app.state.settings.offline_payment_account
    return _page(
        request, "repair/order.html", order=order, siblings=siblings, error=error,
        messages=messages, offline_payment_account=account, subscribe=subscribe or [],
        invoice_titles=titles, invoice_form=typed.get("invoice", {}), typed=typed,
        dropped=dropped, max_lengths=FIELD_MAX_LENGTHS,
        shipment_saved=shipment_saved, quote_declined=quote_declined,
        open_wechat_pay=open_wechat_pay,
    )  # fmt: skip


ORDER_ACTIONS = {
    "inbound-waybill": lambda form: {
        "courier": str(form.get("courier", "")).strip(),
        "waybill": str(form.get("waybill", "")).strip(),
    },
    "agree": lambda form: {},
    "decline": lambda form: {},
}
# The query an action's success redirects with: the order page then confirms the shipment, or
# (after agreeing) offers the subscription prompt for what follows.
ORDER_ACTION_FLAGS = {
    "inbound-waybill": "?shipment_saved=1",
    "agree": "?agreed=1",
    "decline": "?declined=1",
}


async def _act_then_show(
    request: Request,
    client: RepairClient,
    api_path: str,
    body: dict[str, Any],
    order_id: int,
    then: str = "",
    form: str = "",
    typed: dict[str, str] | None = None,
) -> Response:
    """Post one customer action to repair_service, then show the order again: with ``then`` as
    the query on success; with repair_service's message when it refused, the form named ``form``
    still holding what the customer typed (``typed``)."""
    try:
        await client.post(api_path, body)
    except RepairApiError as error:
        return _show_refusal(request, order_id, error, form, typed)
    return RedirectResponse(f"/repair/orders/{order_id}{then}", status_code=303)


@router.post("/repair/orders/{order_id:int}/{action}")
async def order_action(request: Request, order_id: int, action: str) -> Response:
    """One customer action on an order, carrying the version the page showed."""
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    if action not in ORDER_ACTIONS:
        return _not_found(request)
    form = await request.form()
    body = {**ORDER_ACTIONS[action](form), "expected_version": _int(form.get("version"))}
    path = f"/orders/{order_id}/{action}"
    then = ORDER_ACTION_FLAGS.get(action, "")
    typed = {key: str(value) for key, value in body.items() if key != "expected_version"}
    # A value longer than its field allows is refused here, naming the field and its maximum,
    # rather than sent on and carried back to the form.
    over_long = refused_forms.over_long_refusal(typed, FIELD_MAX_LENGTHS)
    if over_long is not None:
        return _show_refusal(request, order_id, over_long, action, typed)
    return await _act_then_show(request, client, path, body, order_id, then, action, typed)


@router.post("/repair/requests/{request_id:int}/payments")
async def choose_payment(request: Request, request_id: int) -> Response:
    """Pay one or several agreed orders of a request together, online or offline.

    Choosing WeChat Pay creates the payment here, then the order page opens WeChat's pay sheet by
    itself (``?pay=wechat``): the customer taps once, not once to choose and again to pay.
    """
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    form = await request.form()
    order_ids = [_int(value) for value in form.getlist("order_ids")]
    back_to = _int(form.get("back_to")) or (order_ids[0] if order_ids else 0)
    body = {"method": str(form.get("method", "offline")), "order_ids": order_ids}
    then = "?pay=wechat" if body["method"] == "wechat" else ""
    path = f"/requests/{request_id}/payments"
    return await _act_then_show(request, client, path, body, back_to, then)


@router.post("/repair/payments/{payment_id:int}/proof")
async def submit_proof(request: Request, payment_id: int) -> Response:
    """Send (or send again after a rejection) the offline payment proof."""
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    form = await request.form()
    body = {
        "expected_version": _int(form.get("version")),
        "proofs": _attachment_refs(form.get("proofs"), frozenset({"payment_proof"})),
    }
    back_to = _int(form.get("back_to"))
    if not body["proofs"]:
        _ = translations(request_language(request)).gettext
        message = _("Please upload a photo or screenshot of your payment first.")
        return _show_refusal(request, back_to, message)
    path = f"/payments/{payment_id}/proof"
    typed = {"proofs": json.dumps(body["proofs"])}
    return await _act_then_show(request, client, path, body, back_to, form="proof", typed=typed)


@router.post("/repair/payments/{payment_id:int}/invoice")
async def request_invoice(request: Request, payment_id: int) -> Response:
    """Ask for the invoice of a confirmed payment (special only for offline payments)."""
    client = _client_or_signin(request)
    if isinstance(client, Response):
        return client
    form = await request.form()
    body = {
        field: str(form.get(field, "")).strip()
        for field in ("kind", "title", "tax_id", "address", "phone", "bank", "bank_account")
    }
    path = f"/payments/{payment_id}/invoice"
    back_to = _int(form.get("back_to"))
    error = refused_forms.over_long_refusal(body, FIELD_MAX_LENGTHS)
    if error is None:
        try:
            await client.post(path, body)
        except RepairApiError as refused:
            error = refused
    if error is not None:
        typed = {**body, "save_title": "1" if form.get("save_title") else ""}
        return _show_refusal(request, back_to, error, "invoice", typed)
    if form.get("save_title"):
        await _keep_invoice_title(client, body)
    return RedirectResponse(f"/repair/orders/{back_to}", status_code=303)


async def _keep_invoice_title(client: RepairClient, body: dict[str, str]) -> None:
    """Save the title for the next invoice, unless it is saved already. The invoice itself is
    requested by then, so a failure here only costs the convenience."""
    title = {key: value for key, value in body.items() if key != "kind"}
    try:
        saved = await client.get("/me/invoice-titles")
        if not any(all(row.get(k) == v for k, v in title.items()) for row in saved):
            await client.post("/me/invoice-titles", title)
    except RepairApiError:
        logger.warning("repair_pages.invoice_title_not_saved")


# A QR code can be passed around a whole group chat: each rendered public page is kept for
# ``public_page_cache_seconds`` (one by default) and served again to whoever asks meanwhile. With
# the page's own refresh every three seconds, a transition still shows within four.
PUBLIC_PAGES_KEPT = 1024


@dataclass
class RecentPages:
    """Rendered pages by key, each for ``seconds``; the oldest go first when full."""

    seconds: float
    size: int = PUBLIC_PAGES_KEPT
    pages: dict[tuple[str, ...], tuple[float, bytes]] = field(default_factory=dict)

    def get(self, key: tuple[str, ...]) -> bytes | None:
        kept = self.pages.get(key)
        return kept[1] if kept and kept[0] > time.monotonic() else None

    def put(self, key: tuple[str, ...], body: bytes) -> None:
        if self.seconds <= 0:
            return
        self.pages.pop(key, None)
        if len(self.pages) >= self.size:
            del self.pages[next(iter(self.pages))]
        self.pages[key] = (time.monotonic() + self.seconds, body)


def _recent_public_pages(request: Request) -> RecentPages:
    state = request.app.state
    if getattr(state, "public_pages", None) is None:
        state.public_pages = RecentPages(state.settings.public_page_cache_seconds)
    recent: RecentPages = state.public_pages
    return recent


@router.get("/p/{token}")
async def public_progress(request: Request, token: str) -> Response:
    """Anyone holding the QR code sees progress; repair_service has masked personal data."""
    if len(token) > 100:
        return _not_found(request)
    recent = _recent_public_pages(request)
    viewer = "customer" if current_customer(request) else "anyone"
    key = (token, request_language(request), viewer)
    body = recent.get(key)
    if body is None:
        order = await public_order(request, token)
        if order is None:
            return _not_found(request)
        body = bytes(_page(request, "repair/public.html", order=order).body)
        recent.put(key, body)
    headers = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


def _int(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _not_found(request: Request) -> Response:
    _ = translations(request_language(request)).gettext
    return error_page(request, 404, _("Not found"), _("This page does not exist."))


def _api_error(request: Request, error: RepairApiError) -> Response:
    _ = translations(request_language(request)).gettext
    return error_page(
        request, error.status_code, _("Something went wrong"), _refusal(request, error)
    )


def _refusal(request: Request, error: RepairApiError, timezone: str = DEFAULT_TIMEZONE) -> str:
    """repair_service's refusal in the page's language, its times in ``timezone``."""
    return refusal_text(request_language(request), error, timezone)
