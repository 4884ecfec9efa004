"""Each console action: the fields its form sends, turned into a call of one domain function.

Forms send text; this is where text becomes the domain's types (a yuan amount becomes integer
fen, a yes/no becomes a bool). A bad value raises ``InvalidInput`` like the domain would, so the
page shows it next to the kept form.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlmodel import Session

from repair_service.billing import service as billing
from repair_service.console.money import yuan_to_fen
from repair_service.errors import IllegalMove, InvalidInput
from repair_service.orders import transitions
from repair_service.orders.actors import Actor
from repair_service.orders.schemas import StaffOrderPublic

Form = Mapping[str, str]
Run = Callable[[Session, Actor, StaffOrderPublic, int, Form], object]


@dataclass(frozen=True)
class ConsoleAction:
    """An action button/form: its label, whether it is a danger, and how it runs."""

    label: str
    run: Run
    danger: bool = False


def _text(form: Form, name: str, *, required: bool = False, limit: int = 2000) -> str:
    value = (form.get(name) or "").strip()
    if required and not value:
        raise InvalidInput("Please fill in the required field.")
    if len(value) > limit:
        raise InvalidInput("The text is too long.")
    return value


def _order_call(function: Callable[..., object], **fields: Callable[[Form], object]) -> Run:
    def run(
        session: Session, actor: Actor, order: StaffOrderPublic, version: int, form: Form
    ) -> object:
        values = {name: parse(form) for name, parse in fields.items()}
        return function(session, actor=actor, order_id=order.id, expected_version=version, **values)

    return run


def _address(form: Form) -> int:
    value = form.get("receiving_address_id") or ""
    if not value.isdigit():
        raise InvalidInput("Pick a receiving address.")
    return int(value)


def _warranty(form: Form) -> bool:
    value = form.get("under_warranty")
    if value not in ("yes", "no"):
        raise InvalidInput("Say whether the repair is under warranty.")
    return value == "yes"


def _payment_id(order: StaffOrderPublic) -> int:
    if order.payment is None:
        raise IllegalMove("This order has no payment.")
    return order.payment.id


def _confirm_payment(
    session: Session, actor: Actor, order: StaffOrderPublic, version: int, _form: Form
) -> object:
    return billing.confirm_offline_payment(
        session, actor=actor, payment_id=_payment_id(order), expected_version=version
    )


def _reject_payment(
    session: Session, actor: Actor, order: StaffOrderPublic, version: int, form: Form
) -> object:
    return billing.reject_offline_proof(
        session,
        actor=actor,
        payment_id=_payment_id(order),
        expected_version=version,
        reason=_text(form, "reason", required=True),
    )


def _issue_invoice(
    session: Session, actor: Actor, order: StaffOrderPublic, _version: int, form: Form
) -> object:
    # The PDF is referenced by its file key until the file library's upload lands in the console.
    return billing.issue_invoice(
        session,
        actor=actor,
        payment_id=_payment_id(order),
        pdf_key=_text(form, "pdf_key", limit=300) or None,
        courier=_text(form, "courier", limit=100) or None,
        waybill=_text(form, "waybill", limit=100) or None,
    )


ACTIONS: dict[str, ConsoleAction] = {
    "approve": ConsoleAction(
        "Approve",
        _order_call(
            transitions.approve_request,
            receiving_address_id=_address,
            comment=lambda f: _text(f, "comment") or None,
        ),
    ),
    "reject": ConsoleAction(
        "Reject",
        _order_call(
            transitions.reject_request, comment=lambda f: _text(f, "comment", required=True)
        ),
        danger=True,
    ),
    "receive": ConsoleAction(
        "Record receipt",
        _order_call(
            transitions.receive_product,
            condition=lambda f: _text(f, "condition", required=True),
            accessories=lambda f: _text(f, "accessories"),
        ),
    ),
    "record_inspection": ConsoleAction(
        "Record inspection",
        _order_call(
            transitions.record_inspection,
            findings=lambda f: _text(f, "findings", required=True, limit=5000),
            under_warranty=_warranty,
        ),
    ),
    "send_quote": ConsoleAction(
        "Send quote",
        _order_call(
            transitions.send_quote,
            amount_fen=lambda f: yuan_to_fen(f.get("amount_yuan") or ""),
            note=lambda f: _text(f, "note"),
        ),
    ),
    "agree_for_customer": ConsoleAction(
        "Agree for the customer", _order_call(transitions.agree_for_customer)
    ),
    "decline_for_customer": ConsoleAction(
        "Decline for the customer", _order_call(transitions.decline_for_customer), danger=True
    ),
    "confirm_payment": ConsoleAction("Confirm payment", _confirm_payment),
    "reject_payment": ConsoleAction("Reject payment proof", _reject_payment, danger=True),
    "start_repair": ConsoleAction("Start repair", _order_call(transitions.start_repair)),
    "finish_repair": ConsoleAction(
        "Finish repair",
        _order_call(transitions.finish_repair, comment=lambda f: _text(f, "comment")),
    ),
    "pass_qc": ConsoleAction(
        "Pass QC", _order_call(transitions.pass_qc, comment=lambda f: _text(f, "comment"))
    ),
    "fail_qc": ConsoleAction(
        "Fail QC",
        _order_call(transitions.fail_qc, comment=lambda f: _text(f, "comment", required=True)),
        danger=True,
    ),
    "ship_back": ConsoleAction(
        "Ship back",
        _order_call(
            transitions.ship_back,
            courier=lambda f: _text(f, "courier", required=True, limit=100),
            waybill=lambda f: _text(f, "waybill", required=True, limit=100),
        ),
    ),
    "issue_invoice": ConsoleAction("Issue invoice", _issue_invoice),
    "complete": ConsoleAction(
        "Complete", _order_call(transitions.complete_order, comment=lambda f: _text(f, "comment"))
    ),
}

PAYMENT_ACTIONS = ("confirm_payment", "reject_payment")
