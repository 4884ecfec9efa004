"""Domain events: the envelope, the catalogue of event types, and the transactional outbox.

A producer never talks to RabbitMQ inside a request. It calls ``record_event`` with the session of
the change, so the event row commits or rolls back with the change; a relay process publishes the
rows afterwards. See ``reparo_shared.events.catalogue`` for every event type and its payload.
"""

from reparo_shared.events.catalogue import EventPayload, event_type, payload_model
from reparo_shared.events.envelope import Envelope

__all__ = ["Envelope", "EventPayload", "event_type", "payload_model"]
