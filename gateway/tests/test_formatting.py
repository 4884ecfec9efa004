"""Money and times on the customer pages, written the way the staff console writes them."""

import pytest

from gateway.formatting import local_time, yuan


@pytest.mark.parametrize(
    ("fen", "shown"),
    [
        (0, "¥0.00"),
        (5, "¥0.05"),
        (12345, "¥123.45"),
        (128050, "¥1,280.50"),
        (123456789, "¥1,234,567.89"),
        (-128050, "-¥1,280.50"),
    ],
)
def test_amounts_carry_thousands_separators_and_two_decimals(fen: int, shown: str) -> None:
    assert yuan(fen) == shown


def test_an_api_time_is_shown_in_the_orders_timezone() -> None:
    assert local_time("2026-12-04T16:45:00Z") == "2026-12-05 00:45"
    assert local_time("2026-12-04T16:45:00+00:00", "Europe/Lisbon") == "2026-12-04 16:45"
    assert local_time(None) == ""
