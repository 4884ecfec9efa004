"""Recording uploads and deciding who may download a stored file.

Customers fetch what they uploaded and what is attached to their own orders; staff fetch any
file; the public QR view shows only the product photos of its own order.
"""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from repair_service.billing.models import Invoice, Payment
from repair_service.errors import InvalidInput, NotFound
from repair_service.files.models import UploadedFile
from repair_service.orders.actors import Actor
from repair_service.orders.models import Attachment, AttachmentKind, RepairOrder
from reparo_shared.files import FileKind, StoredFile

PUBLIC_ATTACHMENT_KINDS = (AttachmentKind.PRODUCT_PHOTO,)
STORED_FILE_FIELDS = set(StoredFile.model_fields)


def record_upload(session: Session, actor: Actor, stored: StoredFile) -> UploadedFile:
    """Remember a freshly stored file and who sent it."""
    record = UploadedFile(
        key=stored.key,
        kind=str(stored.kind),
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        original_name=stored.original_name,
        width=stored.width,
        height=stored.height,
        preview_key=stored.preview_key,
        poster_key=stored.poster_key,
        uploader_kind=actor.kind,
        uploader_id=actor.id,
    )
    session.add(record)
    session.flush()
    return record


def as_stored_file(record: UploadedFile) -> StoredFile:
    return StoredFile.model_validate(record.model_dump(include=STORED_FILE_FIELDS))


def downloadable_file(session: Session, actor: Actor, key: str) -> UploadedFile:
    """The file under ``key`` if ``actor`` may fetch it; NotFound otherwise (never 403, so
    the answer does not tell a stranger the file exists)."""
    record = session.exec(select(UploadedFile).where(UploadedFile.key == key)).first()
    if record is None:
        raise NotFound("No such file")
    if actor.is_staff or _uploaded_by(record, actor):
        return record
    if actor.is_customer and _belongs_to_customer(session, key, actor.numeric_id):
        return record
    raise NotFound("No such file")


def public_file(session: Session, order: RepairOrder, key: str) -> UploadedFile:
    """A product photo of ``order``, for the public QR view; NotFound for anything else."""
    attached = session.exec(
        select(Attachment.id).where(
            Attachment.order_id == order.id,
            Attachment.key == key,
            col(Attachment.kind).in_(PUBLIC_ATTACHMENT_KINDS),
        )
    ).first()
    record = session.exec(select(UploadedFile).where(UploadedFile.key == key)).first()
    if attached is None or record is None:
        raise NotFound("No such file")
    return record


def check_attachable(session: Session, actor: Actor, keys: Sequence[str]) -> None:
    """Attachments may only name files this actor uploaded (staff: any staff upload).

    Called before attachments are written, so nobody can attach someone else's file by
    guessing or copying its key.
    """
    if not keys:
        return
    owner_condition = (
        UploadedFile.uploader_kind == "staff"
        if actor.is_staff
        else (UploadedFile.uploader_kind == actor.kind) & (UploadedFile.uploader_id == actor.id)
    )
    found = set(
        session.exec(
            select(UploadedFile.key).where(col(UploadedFile.key).in_(keys), owner_condition)
        ).all()
    )
    missing = [key for key in keys if key not in found]
    if missing:
        raise InvalidInput("Attachments must be files you uploaded first")


def require_pdf(session: Session, key: str) -> None:
    """Refuse ``key`` unless its stored content is a PDF.

    The kind was sniffed from the bytes when the file was stored (``%PDF-`` magic), so a photo
    renamed ``invoice.pdf`` is refused here however it is named.
    """
    record = session.exec(select(UploadedFile).where(UploadedFile.key == key)).first()
    if record is None or record.kind != FileKind.PDF:
        raise InvalidInput("The invoice must be a PDF file")


def uploads_by_key(session: Session, keys: Sequence[str]) -> dict[str, UploadedFile]:
    """The upload records of ``keys`` (unknown keys are simply absent), in one query."""
    if not keys:
        return {}
    records = session.exec(select(UploadedFile).where(col(UploadedFile.key).in_(keys)))
    return {record.key: record for record in records}


def _uploaded_by(record: UploadedFile, actor: Actor) -> bool:
    return record.uploader_kind == actor.kind and record.uploader_id == actor.id


def _belongs_to_customer(session: Session, key: str, customer_id: int) -> bool:
    """Attached to one of the customer's orders or payments, or their invoice's PDF."""
    on_order = (
        select(Attachment.id)
        .join(RepairOrder, col(Attachment.order_id) == col(RepairOrder.id))
        .where(Attachment.key == key, RepairOrder.customer_id == customer_id)
    )
    on_payment = (
        select(Attachment.id)
        .join(Payment, col(Attachment.payment_id) == col(Payment.id))
        .where(Attachment.key == key, Payment.customer_id == customer_id)
    )
    invoice_pdf = (
        select(Invoice.id)
        .join(Payment, col(Invoice.payment_id) == col(Payment.id))
        .where(Invoice.pdf_key == key, Payment.customer_id == customer_id)
    )
    return any(
        session.exec(query).first() is not None for query in (on_order, on_payment, invoice_pdf)
    )
