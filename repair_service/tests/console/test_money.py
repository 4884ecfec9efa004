"""Yuan typed in a form becomes integer fen exactly, or is refused."""

import pytest

from repair_service.console.money import fen_to_yuan, yuan_to_fen
from repair_service.errors import InvalidInput
from repair_service.money import format_yuan, wechat_amount
from repair_service.schemas import MAX_FEN


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("0", 0),
        ("120", 12_000),
        ("120.5", 12_050),
        ("120.50", 12_050),
        (" 0.01 ", 1),
        ("19.99", 1_999),
        ("999999999.99", 99_999_999_999),
    ],
)
def test_yuan_amount_becomes_exact_fen(typed: str, fen: int) -> None:
    assert yuan_to_fen(typed) == fen


def test_an_amount_above_the_maximum_is_refused_saying_the_maximum() -> None:
    with pytest.raises(InvalidInput) as refused:
        yuan_to_fen("1000000000.01")

    assert refused.value.template == "The amount can be at most ¥{maximum}."
    assert refused.value.params == {"maximum": "1,000,000,000.00"}
    assert yuan_to_fen("1000000000") == MAX_FEN
    with pytest.raises(InvalidInput, match="at most"):
        yuan_to_fen("12345678901234567890")


@pytest.mark.parametrize("typed", ["-1", "1.234", "abc", "", "1e3", "1,000", "0.1.2", "NaN"])
def test_negative_over_precise_or_malformed_amount_is_refused(typed: str) -> None:
    with pytest.raises(InvalidInput):
        yuan_to_fen(typed)


def test_fen_are_shown_as_yuan_with_two_decimals() -> None:
    assert fen_to_yuan(12_050) == "120.50"
    assert fen_to_yuan(1) == "0.01"
    assert fen_to_yuan(123_456_789) == "1,234,567.89"


def test_every_amount_repair_service_writes_for_people_reads_one_way() -> None:
    assert format_yuan(128_050) == "¥1,280.50"
    assert format_yuan(None) == ""
    # WeChat's amount keyword takes a sign and plain digits only: the same figure, ungrouped.
    assert wechat_amount(128_050) == "¥1280.50"
    assert wechat_amount(5) == "¥0.05"


def test_the_console_shows_a_quote_in_the_shared_format(console, world) -> None:
    customer = world.new_customer()
    order_id = world.submit(customer)["orders"][0]["id"]
    world.drive_to_quote(customer, order_id, amount_fen=128_050)

    page = console("review").get(f"/console/orders/{order_id}").text

    assert f"<dd>{format_yuan(128_050)} " in page
