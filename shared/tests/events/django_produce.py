"""Record product events through the Django outbox, as cms would; prints the committed ids."""

import json

import django

django.setup()

from django.db import transaction  # noqa: E402  (after setup, as Django requires)

from reparo_shared.events.django_outbox import record_event  # noqa: E402
from reparo_shared.events.types import ProductPublished, ProductWithdrawn  # noqa: E402


def published(revision: int) -> ProductPublished:
    return ProductPublished(
        page_id=31, name="Drill X", part_numbers=[f"rev{revision}"], page_url="https://c/31/"
    )


class Abandoned(Exception):
    pass


committed = []
with transaction.atomic():
    committed.append(str(record_event(published(1), producer="cms", subject="product:31").id))
    committed.append(str(record_event(published(2), producer="cms", subject="product:31").id))
try:
    with transaction.atomic():
        record_event(published(99), producer="cms", subject="product:31")
        raise Abandoned
except Abandoned:
    pass
with transaction.atomic():
    withdrawn = record_event(ProductWithdrawn(page_id=31), producer="cms", subject="product:31")
    committed.append(str(withdrawn.id))

try:
    record_event(published(100), producer="cms", subject="product:31")
    outside_refused = False
except RuntimeError:
    outside_refused = True

print(json.dumps({"committed": committed, "outside_refused": outside_refused}))
