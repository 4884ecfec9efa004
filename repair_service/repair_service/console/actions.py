"""Each console action: the fields its form sends, turned into a call of one domain function.

Forms send text; this is where text becomes the domain's types (a yuan amount becomes integer
fen, a yes/no becomes a bool). A bad value raises ``InvalidInput`` like the domain would, so the
page shows it next to the kept form.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from sqlmodel import Session

from repair_service.billing import service as billing
from repair_service.console.money import yuan_to_fen
from repair_service.errors import IllegalMove, InvalidInput
from repair_service.files.service import uploads_by_key
from repair_service.orders import transitions
from repair_service.orders.actors import Actor
from repair_service.orders.models import AttachmentKind
from repair_service.orders.schemas import StaffOrderPublic
from repair_service.orders.workflow import AttachmentRef
from reparo_shared.text import is_storable

PHOTO_FIELD = "photo"
MAX_PHOTOS = 30


@dataclass(frozen=True)
class Form(Mapping[str, str]):
    """A posted console form: each field's last value, and every value of repeated fields
    (the photos' keys)."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> str:
        found = self.fields[name]
        return found[-1] if found else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))


Run = Callable[[Session, Actor, StaffOrderPublic, int, Form], object]


@dataclass(frozen=True)
class ConsoleAction:
    """An action's form: its button label, the notice once done, whether it is a danger, and how
    it runs."""

    label: str
    done: str
    run: Run
    danger: bool = False


def _text(form: Form, name: str, *, required: bool = False, limit: int = 2000) -> str:
    return checked_text(form.get(name) or "", required=required, limit=limit)


def checked_text(typed: str, *, required: bool = False, limit: int = 2000) -> str:
    """Typed text, trimmed; refused when required and empty, too long, or not storable."""
    value = typed.strip()
    if required and not value:
        raise InvalidInput("Please fill in the required field.")
    if len(value) > limit:
        raise InvalidInput("The text may have at most {limit} characters.", limit=limit)
    if not is_storable(value):
        raise InvalidInput("The text may not contain invisible control characters.")
    return value


def _order_call(
    function: Callable[..., object],
    *,
    photos: AttachmentKind | None = None,
    **fields: Callable[[Form], object],
) -> Run:
    def run(
        session: Session, actor: Actor, order: StaffOrderPublic, version: int, form: Form
    ) -> object:
        values = {name: parse(form) for name, parse in fields.items()}
        if photos is not None:
            values["photos"] = photo_refs(session, form.getlist(PHOTO_FIELD), photos)
        return function(session, actor=actor, order_id=order.id, expected_version=version, **values)

    return run


def photo_refs(session: Session, keys: list[str], kind: AttachmentKind) -> list[AttachmentRef]:
    """The uploaded photos a form names, as attachments of ``kind`` with their file names.

    Whether the person may attach them (staff uploads only) is the domain's check; here a key
    that is not a stored image is refused, so a PDF cannot pass as a condition photo.
    """
    unique = list(dict.fromkeys(key for key in keys if key))
    if len(unique) > MAX_PHOTOS:
        raise InvalidInput("Attach at most {count} photos.", count=MAX_PHOTOS)
    uploads = uploads_by_key(session, unique)
    if any(key not in uploads or uploads[key].kind != "image" for key in unique):
        raise InvalidInput("Only uploaded photos can be attached.")
    return [
        AttachmentRef(kind=kind, key=key, name=uploads[key].original_name[:200]) for key in unique
    ]


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


def _assignee(form: Form) -> int | None:
    value = (form.get("assignee_id") or "").strip()
    if value and not value.isdigit():
        raise InvalidInput("Pick a person or the whole team.")
    return int(value) if value else None


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
    # The page uploads the PDF through the file API first and sends its key.
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
        "Approved: the customer is told where to ship the product.",
        _order_call(
            transitions.approve_request,
            receiving_address_id=_address,
            comment=lambda f: _text(f, "comment") or None,
        ),
    ),
    "reject": ConsoleAction(
        "Reject",
        "Rejected: the order is closed and the customer sees the reason.",
        _order_call(
            transitions.reject_request, comment=lambda f: _text(f, "comment", required=True)
        ),
        danger=True,
    ),
    "receive": ConsoleAction(
        "Record receipt",
        "Receipt recorded.",
        _order_call(
            transitions.receive_product,
            photos=AttachmentKind.CONDITION_PHOTO,
            condition=lambda f: _text(f, "condition", required=True),
            accessories=lambda f: _text(f, "accessories"),
        ),
    ),
    "record_inspection": ConsoleAction(
        "Record inspection",
        "Inspection recorded.",
        _order_call(
            transitions.record_inspection,
            photos=AttachmentKind.FINDINGS_PHOTO,
            findings=lambda f: _text(f, "findings", required=True, limit=5000),
            under_warranty=_warranty,
        ),
    ),
    "send_quote": ConsoleAction(
        "Send quote",
        "Quote sent.",
        _order_call(
            transitions.send_quote,
            photos=AttachmentKind.FINDINGS_PHOTO,
            amount_fen=lambda f: yuan_to_fen(f.get("amount_yuan") or ""),
            note=lambda f: _text(f, "note"),
        ),
    ),
    "confirm_free_repair": ConsoleAction(
        "Confirm free repair",
        "Free repair confirmed: the order goes straight to repair.",
        _order_call(
            transitions.confirm_free_repair,
            photos=AttachmentKind.FINDINGS_PHOTO,
            note=lambda f: _text(f, "note"),
        ),
    ),
    "agree_for_customer": ConsoleAction(
        "Agree for the customer",
        "The customer's agreement is recorded.",
        _order_call(transitions.agree_for_customer),
    ),
    "decline_for_customer": ConsoleAction(
        "Decline for the customer",
        "The customer's refusal is recorded: the product goes back unrepaired.",
        _order_call(transitions.decline_for_customer),
        danger=True,
    ),
    "confirm_payment": ConsoleAction("Confirm payment", "Payment confirmed.", _confirm_payment),
    "reject_payment": ConsoleAction(
        "Reject payment proof",
        "Payment proof rejected: the customer sees the reason.",
        _reject_payment,
        danger=True,
    ),
    "start_repair": ConsoleAction(
        "Start repair", "Repair started.", _order_call(transitions.start_repair)
    ),
    "finish_repair": ConsoleAction(
        "Finish repair",
        "Repair finished: the order goes to QC.",
        _order_call(transitions.finish_repair, comment=lambda f: _text(f, "comment")),
    ),
    "pass_qc": ConsoleAction(
        "Pass QC",
        "QC passed.",
        _order_call(transitions.pass_qc, comment=lambda f: _text(f, "comment")),
    ),
    "fail_qc": ConsoleAction(
        "Fail QC",
        "QC failed: the order goes back to repair.",
        _order_call(transitions.fail_qc, comment=lambda f: _text(f, "comment", required=True)),
        danger=True,
    ),
    "ship_back": ConsoleAction(
        "Ship back",
        "Shipped back.",
        _order_call(
            transitions.ship_back,
            courier=lambda f: _text(f, "courier", required=True, limit=100),
            waybill=lambda f: _text(f, "waybill", required=True, limit=100),
        ),
    ),
    "issue_invoice": ConsoleAction("Issue invoice", "Invoice issued.", _issue_invoice),
    "assign": ConsoleAction(
        "Assign",
        "Assignment saved.",
        _order_call(transitions.assign_order, assignee_id=_assignee),
    ),
    "complete": ConsoleAction(
        "Complete without invoice",
        "Order completed.",
        _order_call(transitions.complete_order, comment=lambda f: _text(f, "comment")),
    ),
}
