"""A refused order form, carried from its POST to the order page's next view.

The order page's forms redirect to the order page whether or not they went through, so the
address bar never holds a form's address and a reload never sends a form again. A refusal and
what the customer typed travel to that one next view in a signed cookie of their own (the session
cookie holds only who is signed in), written as UTF-8 and compressed, and bound to the customer
and the order.

A browser silently drops a cookie longer than 4 KB, which would lose the refusal and every typed
value at once. So the cookie is kept under ``COOKIE_BYTES``: the refusal is always kept (cut down
to what the page shows), and the typed values are kept longest last, the ones that do not fit
named in ``dropped`` so the page can ask for them again. Values over a field's maximum never get
this far: the pages refuse them before asking repair_service (``over_long_refusal``).

There is no store shared by the gateway's instances, and any instance may serve the next view,
so the cookie is the store; the refusal lives ten minutes at most.
"""

from dataclasses import asdict, dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response

from gateway.i18n import request_language
from gateway.refusals import refusal_text
from gateway.repair_client import RepairApiError

COOKIE = "reparo_refused"
COOKIE_PATH = "/repair/"
MAX_AGE_SECONDS = 600
# The whole cookie as the browser counts it (name, value and attributes): below the 4096 bytes
# every browser keeps, with room to spare for one that counts a little more.
COOKIE_BYTES = 4000
# The attributes ``keep`` sets, as Starlette writes them, at their longest.
ATTRIBUTES = f"; HttpOnly; Max-Age={MAX_AGE_SECONDS}; Path={COOKIE_PATH}; SameSite=lax; Secure"
# What of a refusal is kept: the page shows its template filled with its values, or the fields a
# validation error names, so longer texts are cut and nothing else of a problem is kept.
MAX_TEXT = 300
MAX_PROBLEMS = 20


@dataclass(frozen=True)
class Refusal:
    """Why an action on an order did not go through, and the form as the customer filled it;
    ``dropped`` names typed fields that were too long to carry back."""

    error: RepairApiError | str
    form: str = ""
    typed: dict[str, str] = field(default_factory=dict)
    dropped: tuple[str, ...] = ()


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(request.app.state.session_secret, salt="refused-order-form")


def keep(
    request: Request, response: Response, customer_id: str, order_id: int, refusal: Refusal
) -> None:
    """Set the cookie carrying ``refusal`` to the next view of order ``order_id``."""
    serializer = _serializer(request)
    typed = dict(refusal.typed)
    dropped = list(refusal.dropped)
    payload: dict[str, Any] = {
        "customer": customer_id, "order": order_id, "error": _compact(refusal.error),
        "form": refusal.form[:50], "typed": typed, "dropped": dropped,
    }  # fmt: skip
    value = str(serializer.dumps(payload))
    while _cookie_bytes(value) > COOKIE_BYTES and typed:
        longest = max(typed, key=lambda name: len(typed[name].encode()))
        del typed[longest]
        dropped.append(longest)
        value = str(serializer.dumps(payload))
    if _cookie_bytes(value) > COOKIE_BYTES:
        # Only a refusal with very many values gets here: its sentence alone still says why.
        payload["error"] = {"text": _text(request, refusal.error)[:MAX_TEXT]}
        value = str(serializer.dumps(payload))
    response.set_cookie(
        COOKIE, value, max_age=MAX_AGE_SECONDS, path=COOKIE_PATH, httponly=True, samesite="lax",
        secure=request.app.state.settings.session_cookie_secure,
    )  # fmt: skip


def take(request: Request, customer_id: str, order_id: int) -> Refusal | None:
    """The refusal kept for this customer's view of this order, if any (the caller ``forget``s
    it once shown). A stale, forged or foreign cookie is ignored."""
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        kept = _serializer(request).loads(raw, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return None
    if not isinstance(kept, dict):
        return None
    if kept.get("customer") != customer_id or kept.get("order") != order_id:
        return None
    try:
        stored = kept["error"]
        error = str(stored["text"]) if "text" in stored else RepairApiError(**stored)
        typed = {str(key): str(value) for key, value in kept["typed"].items()}
        dropped = tuple(str(name) for name in kept["dropped"])
        return Refusal(error=error, form=str(kept["form"]), typed=typed, dropped=dropped)
    except (KeyError, TypeError, AttributeError):
        return None


def forget(request: Request, response: Response) -> None:
    """Drop the cookie once its refusal was shown: a reload shows the order as it is."""
    if COOKIE in request.cookies:
        response.delete_cookie(COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax")


def over_long_refusal(typed: dict[str, str], limits: dict[str, int]) -> RepairApiError | None:
    """The refusal of values longer than their field allows, in repair_service's shape for a
    validation error so the page names each field and its maximum in the reader's language."""
    names = [name for name, value in typed.items() if name in limits and len(value) > limits[name]]
    if not names:
        return None
    problems: list[dict[str, Any]] = [
        {"loc": ["body", name], "type": "string_too_long", "ctx": {"max_length": limits[name]}}
        for name in names
    ]
    return RepairApiError(422, f"invalid: {', '.join(names)}", problems=problems)


def _cookie_bytes(value: str) -> int:
    return len(f"{COOKIE}={value}{ATTRIBUTES}".encode())


def _compact(error: RepairApiError | str) -> dict[str, Any]:
    """What the page needs of ``error``, each text cut to ``MAX_TEXT``."""
    if isinstance(error, str):
        return {"text": error[:MAX_TEXT]}
    kept = asdict(error)
    kept["detail"] = error.detail[:MAX_TEXT]
    kept["params"] = {
        name: value[:MAX_TEXT] if isinstance(value, str) else value
        for name, value in error.params.items()
    }
    kept["problems"] = [_compact_problem(problem) for problem in error.problems[:MAX_PROBLEMS]]
    return kept


def _compact_problem(problem: dict[str, Any]) -> dict[str, Any]:
    """A validation problem as ``gateway.refusals`` reads it: where, what kind, which limits."""
    context = problem.get("ctx")
    limits = context if isinstance(context, dict) else {}
    return {
        "loc": [str(part)[:MAX_TEXT] for part in problem.get("loc", [])][:10],
        "type": str(problem.get("type", ""))[:100],
        "ctx": {k: v for k, v in limits.items() if k in ("min_length", "max_length")},
    }


def _text(request: Request, error: RepairApiError | str) -> str:
    return error if isinstance(error, str) else refusal_text(request_language(request), error)
