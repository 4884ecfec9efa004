"""What a customer reads when repair_service refuses, in the page's language.

repair_service sends each refusal with an English template (``message_id``, e.g. "Order {number}
is not waiting for payment") and the values that fill it (``params``). The template is looked up
in the page's catalogue and filled in; when the catalogue lacks it, or its translation does not
fill, the customer reads repair_service's English message instead. A request validation error
(422) names the refused fields the way the form labels them, with what is wrong in each.
"""

import re
from typing import Any

from gateway.formatting import DEFAULT_TIMEZONE, local_time
from gateway.i18n import translations
from gateway.repair_client import RepairApiError

# The last part of a refused field's path, shown as the label the form gives that field.
FIELD_LABELS = {
    "contact_name": "Name",
    "contact_phone": "Phone",
    "ship_from_address": "Ship from",
    "items": "Product",
    "pn": "Part number (PN)",
    "sn": "Serial number (SN)",
    "fault_description": "Fault",
    "attachments": "Photos and videos",
    "courier": "Courier",
    "waybill": "Waybill",
    "order_ids": "Orders to pay",
    "proofs": "Photo or screenshot of the transfer",
    "kind": "Type",
    "title": "Title",
    "tax_id": "Tax ID",
    "address": "Address",
    "phone": "Phone",
    "bank": "Bank",
    "bank_account": "Account",
}
SEPARATORS = {"zh-Hans": "；"}
# A moment in a refusal ("changed at 2026-12-04 16:45 UTC"): repair_service writes it in UTC,
# the page shows it the way it shows every other time (the order's local time, no zone).
UTC_MOMENT = re.compile(
    r"(?<!\d)(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?(?: UTC|Z|\+00:00)"
)


def refusal_text(language: str, error: RepairApiError, timezone: str = DEFAULT_TIMEZONE) -> str:
    """The refusal in ``language``, or its English message when that is the best we have; times
    in it are shown in ``timezone``."""
    if error.problems:
        named = _named_problems(language, error.problems)
        if named:
            return named
    detail = local_moments(error.detail, timezone)
    if not error.message_id:
        return detail
    translated = translations(language).gettext(error.message_id)
    if translated == error.message_id:
        return detail
    params = {
        name: local_moments(value, timezone) if isinstance(value, str) else value
        for name, value in error.params.items()
    }
    try:
        return translated.format(**params)
    except (KeyError, IndexError, ValueError):
        return detail


def local_moments(text: str, timezone: str) -> str:
    """``text`` with each UTC moment written in ``timezone``."""
    return UTC_MOMENT.sub(
        lambda found: local_time(f"{found.group(1)}T{found.group(2)}+00:00", timezone), text
    )


def _named_problems(language: str, problems: list[dict[str, Any]]) -> str | None:
    """One short phrase per refused field; None if some field is not one the pages show."""
    phrases = [_problem_phrase(language, problem) for problem in problems]
    if not phrases or None in phrases:
        return None
    return SEPARATORS.get(language, "; ").join(dict.fromkeys(p for p in phrases if p))


def _problem_phrase(language: str, problem: dict[str, Any]) -> str | None:
    field = _field_name(language, problem.get("loc", []))
    if field is None:
        return None
    _ = translations(language).gettext
    kind = str(problem.get("type", ""))
    context = problem.get("ctx")
    limits: dict[str, Any] = context if isinstance(context, dict) else {}
    least, most = limits.get("min_length"), limits.get("max_length")
    if kind == "missing" or (kind in ("string_too_short", "too_short") and least in (None, 1)):
        return _("{field}: required").format(field=field)
    if kind == "string_too_short":
        return _("{field}: at least {min} characters").format(field=field, min=least)
    if kind == "string_too_long":
        return _("{field}: at most {max} characters").format(field=field, max=most)
    if kind == "too_long":
        return _("{field}: too many").format(field=field)
    if kind == "text_control_character":
        return _("{field}: contains invisible control characters").format(field=field)
    return _("{field}: not valid").format(field=field)


def _field_name(language: str, loc: list[Any]) -> str | None:
    """The form's label for a refused field (``loc`` starts with "body"), product rows numbered.

    Within a product the field is the one right under the product's number, so a refused
    attachment (``items.0.attachments.2.key``) is named as the product's photos and videos, and a
    refusal of the whole product names the product by its number."""
    path = [str(part) for part in loc[1:]]
    _ = translations(language).gettext
    if len(path) >= 2 and path[0] == "items" and path[1].isdigit():
        number = int(path[1]) + 1
        if len(path) == 2:
            return _("Product {n}").format(n=number)
        label = FIELD_LABELS.get(path[2])
        if label is None:
            return None
        return _("{field} of product {n}").format(field=_(label), n=number)
    label = FIELD_LABELS.get(path[-1]) if path else None
    return _(label) if label else None
