"""Domain errors: raised by services, mapped to HTTP statuses only by the web layer.

A refusal is an English message template with named placeholders and the values that fill them::

    raise IllegalMove("Order {number} is not waiting for payment", number=order.number)

The template is the key under which the gateway's and the console's catalogues translate the
refusal; ``message`` is the filled-in English sentence for logs and for clients that do not
translate. Values travel to clients and logs as they are, so they are identifiers and figures
(order numbers, payment ids, node codes), never personal data such as names or phone numbers.
"""

ParamValue = str | int


class DomainError(Exception):
    """Base of every refusal a service can give; ``code`` is stable for clients."""

    code = "domain_error"

    def __init__(self, template: str, /, **params: ParamValue) -> None:
        self.template = template
        self.params = params
        self.message = template.format(**params)
        super().__init__(self.message)


class NotFound(DomainError):
    """The thing does not exist, or the caller may not see it (we do not say which)."""

    code = "not_found"


class Forbidden(DomainError):
    """The caller is known but may not do this."""

    code = "forbidden"


class IllegalMove(DomainError):
    """The action does not fit the order's current node or state."""

    code = "illegal_move"


class StaleVersion(DomainError):
    """Someone else changed the record since the caller read it."""

    code = "stale_version"


class InvalidInput(DomainError):
    """The input breaks a business rule the schema alone cannot express."""

    code = "invalid_input"


class NotAuthenticated(DomainError):
    """No valid credentials were presented."""

    code = "not_authenticated"


class Unavailable(DomainError):
    """A service we depend on (WeChat Pay, for example) is not configured or not reachable."""

    code = "unavailable"
