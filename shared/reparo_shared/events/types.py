"""Every event type Reparo's services publish, with its payload schema.

Names are ``<producer domain>.<entity>.<what happened>``; a breaking change to a payload is a new
version registered beside the old one, never an edit of the old one.
"""

from reparo_shared.events.catalogue import EventPayload, event_type


@event_type("product.published")
class ProductPublished(EventPayload):
    """A product page went live or was republished in cms."""

    page_id: int
    name: str
    part_numbers: list[str]
    image_url: str | None = None
    page_url: str


@event_type("product.withdrawn")
class ProductWithdrawn(EventPayload):
    """A product page was unpublished or deleted in cms."""

    page_id: int


@event_type("content.page.published")
class ContentPagePublished(EventPayload):
    """A customer-facing page (article, video, software, product or an index) went live or was
    republished in cms. Gateways drop the pages they cached; ``public_url`` is its address."""

    page_id: int
    page_type: str
    public_url: str


@event_type("content.page.withdrawn")
class ContentPageWithdrawn(EventPayload):
    """A customer-facing page was unpublished, or deleted while live, in cms."""

    page_id: int
    page_type: str


# Repair events, published by repair_service. Every one names the order (or request, or payment)
# by id and number; contact details stay in repair_service's database.


@event_type("repair.request.submitted")
class RepairRequestSubmitted(EventPayload):
    """A customer submitted a repair request holding one order per product."""

    request_id: int
    customer_id: int
    order_ids: list[int]
    order_numbers: list[str]


@event_type("repair.order.entered_node")
class RepairOrderEnteredNode(EventPayload):
    """An order moved into a process node (every move, detours included)."""

    order_id: int
    order_number: str
    customer_id: int
    node: str
    previous_node: str | None
    outcome: str | None


@event_type("repair.review.approved")
class RepairReviewApproved(EventPayload):
    """Review approved an order; the customer is told which receiving address to ship to."""

    order_id: int
    order_number: str
    customer_id: int
    receiving_address_id: int


@event_type("repair.review.rejected")
class RepairReviewRejected(EventPayload):
    """Review rejected an order; the order is closed. The comment is read from repair_service."""

    order_id: int
    order_number: str
    customer_id: int


@event_type("repair.quote.sent")
class RepairQuoteSent(EventPayload):
    """A quote was sent to the customer (a zero-amount warranty quote is sent too, for record)."""

    order_id: int
    order_number: str
    customer_id: int
    quote_id: int
    amount_fen: int
    needs_agreement: bool


@event_type("repair.payment.proof_rejected")
class RepairPaymentProofRejected(EventPayload):
    """Finance rejected an offline payment proof; the orders wait for payment again."""

    payment_id: int
    request_id: int
    customer_id: int
    order_ids: list[int]


@event_type("repair.payment.confirmed")
class RepairPaymentConfirmed(EventPayload):
    """A payment was confirmed (WeChat Pay notification or finance for offline)."""

    payment_id: int
    request_id: int
    customer_id: int
    order_ids: list[int]
    method: str
    amount_fen: int


@event_type("repair.order.shipped_back")
class RepairOrderShippedBack(EventPayload):
    """The product left the warehouse back to the customer (repaired or not)."""

    order_id: int
    order_number: str
    customer_id: int
    courier: str
    waybill: str
    repaired: bool


@event_type("repair.invoice.issued")
class RepairInvoiceIssued(EventPayload):
    """The invoice of a payment was issued (PDF uploaded, or paper invoice mailed)."""

    invoice_id: int
    payment_id: int
    customer_id: int
    kind: str
    order_ids: list[int]


@event_type("repair.order.completed")
class RepairOrderCompleted(EventPayload):
    """An order reached the completed node."""

    order_id: int
    order_number: str
    customer_id: int
