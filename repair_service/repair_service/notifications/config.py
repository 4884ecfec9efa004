"""Which WeChat message carries each notice, and which of our values fill its fields.

Five notices tell the customer about their orders. Each may go out as a template message, as a
subscription message (which needs the customer's consent, asked for on the pages), or both: a
subscription message when the customer has consent left, else the template message. The
account's own template ids and field keys are configuration (``WECHAT_MESSAGES``, JSON), e.g.::

    {"quote_sent": {
        "subscription": {"template_id": "Xy9…", "fields": {"character_string1": "order",
                                                           "amount2": "amount",
                                                           "thing3": "next_step"}},
        "template": {"template_id": "TPL_QUOTE_SENT",
                     "fields": {"character_string1": "order", "amount2": "amount",
                                "thing3": "next_step"}}}}

A notice named there replaces its default as a whole; ``{}`` switches it off. The defaults are
the local sandbox's demo templates, sent as template messages.
"""

from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator


class Notice(StrEnum):
    REVIEW_RESULT = "review_result"
    QUOTE_SENT = "quote_sent"
    PAYMENT_CONFIRMED = "payment_confirmed"
    SHIPPED_BACK = "shipped_back"
    INVOICE_READY = "invoice_ready"


# The values each notice offers its template's fields (see ``messages.py`` for their content).
NOTICE_VALUES: dict[Notice, frozenset[str]] = {
    Notice.REVIEW_RESULT: frozenset({"order", "status", "detail"}),
    Notice.QUOTE_SENT: frozenset({"order", "amount", "next_step"}),
    Notice.PAYMENT_CONFIRMED: frozenset({"order", "amount", "time"}),
    Notice.SHIPPED_BACK: frozenset({"order", "courier", "waybill"}),
    Notice.INVOICE_READY: frozenset({"order", "status"}),
}

# When the pages ask for consent, and for the notices that follow that moment: after a request
# is submitted its review and quote come next; after a quote is agreed, payment, shipping back
# and the invoice. Three at most per prompt, as WeChat's consent sheet lists them.
PROMPT_MOMENTS: dict[str, tuple[Notice, ...]] = {
    "submitted": (Notice.REVIEW_RESULT, Notice.QUOTE_SENT),
    "agreed": (Notice.PAYMENT_CONFIRMED, Notice.SHIPPED_BACK, Notice.INVOICE_READY),
}


class Channel(StrEnum):
    TEMPLATE = "template"
    SUBSCRIPTION = "subscription"


class MessageTemplate(BaseModel):
    """One of the account's templates: its id and, per field key, the value that fills it."""

    template_id: str = Field(min_length=1, max_length=100)
    fields: dict[str, str] = Field(min_length=1)


class NoticeChannels(BaseModel):
    """How one notice goes out; neither set means it is not sent at all."""

    subscription: MessageTemplate | None = None
    template: MessageTemplate | None = None


class MessageConfig(BaseModel):
    """Every notice's channels; unknown notices or value names are refused at start-up."""

    notices: dict[Notice, NoticeChannels]

    @model_validator(mode="after")
    def _values_exist(self) -> "MessageConfig":
        for notice, channels in self.notices.items():
            for template in (channels.subscription, channels.template):
                unknown = set(template.fields.values()) - NOTICE_VALUES[notice] if template else ()
                if unknown:
                    offered = ", ".join(sorted(NOTICE_VALUES[notice]))
                    raise ValueError(
                        f"{notice}: no value named {', '.join(sorted(unknown))} "
                        f"(it offers {offered})"
                    )
        return self

    @classmethod
    def with_overrides(cls, overrides: Mapping[Notice, NoticeChannels]) -> "MessageConfig":
        """The defaults with the configured notices put in their place."""
        return cls(notices={**DEFAULT_NOTICES, **overrides})

    def channels(self, notice: Notice) -> NoticeChannels:
        return self.notices.get(notice) or NoticeChannels()

    def subscription_ids(self) -> set[str]:
        return {c.subscription.template_id for c in self.notices.values() if c.subscription}

    def prompt_ids(self, moment: str) -> list[str]:
        """The subscription templates the pages ask consent for at ``moment`` (in order)."""
        ids: list[str] = []
        for notice in PROMPT_MOMENTS.get(moment, ()):
            subscription = self.channels(notice).subscription
            if subscription and subscription.template_id not in ids:
                ids.append(subscription.template_id)
        return ids


def _sandbox_template(template_id: str, **fields: str) -> NoticeChannels:
    return NoticeChannels(template=MessageTemplate(template_id=template_id, fields=fields))


DEFAULT_NOTICES: dict[Notice, NoticeChannels] = {
    Notice.REVIEW_RESULT: _sandbox_template(
        "TPL_REQUEST_REVIEWED", character_string1="order", thing2="status", thing3="detail"
    ),
    Notice.QUOTE_SENT: _sandbox_template(
        "TPL_QUOTE_SENT", character_string1="order", amount2="amount", thing3="next_step"
    ),
    Notice.PAYMENT_CONFIRMED: _sandbox_template(
        "TPL_PAYMENT_CONFIRMED", character_string1="order", amount2="amount", time3="time"
    ),
    Notice.SHIPPED_BACK: _sandbox_template(
        "TPL_SHIPPED_BACK", character_string1="order", thing2="courier", character_string3="waybill"
    ),
    Notice.INVOICE_READY: _sandbox_template(
        "TPL_INVOICE_READY", character_string1="order", thing2="status"
    ),
}
