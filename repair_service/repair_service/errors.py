"""Domain errors: raised by services, mapped to HTTP statuses only by the web layer."""


class DomainError(Exception):
    """Base of every refusal a service can give; ``code`` is stable for clients."""

    code = "domain_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


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
