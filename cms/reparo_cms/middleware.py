"""Request middleware: the correlation id the gateway sends travels into every log line."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from reparo_shared.logs import CORRELATION_HEADER, set_correlation_id


class CorrelationIdMiddleware:
    """Adopt the caller's ``X-Correlation-ID`` (or make one) and echo it on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        value = set_correlation_id(request.headers.get(CORRELATION_HEADER))
        response = self.get_response(request)
        response[CORRELATION_HEADER] = value
        return response
