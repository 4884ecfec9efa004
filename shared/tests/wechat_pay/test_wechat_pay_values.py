"""The pure parts: out_trade_no, expiry times, record checks and the answers WeChat expects."""

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from reparo_shared.wechat_pay import (
    NotifyAnswer,
    PaymentNotification,
    RecordMismatch,
    StaleTimestamp,
    TradeState,
    check_against_record,
    format_time_expire,
    new_out_trade_no,
    validate_out_trade_no,
)
from reparo_shared.wechat_pay.notifications import Transaction


def notification(**changes: object) -> PaymentNotification:
    values: dict[str, object] = {
        "out_trade_no": "RP20261203130000abcdef012345",
        "transaction_id": "4200000000000000000000000001",
        "trade_state": TradeState.SUCCESS,
        "amount_total_fen": 12_800,
        "payer_openid": "openid-1",
        "mchid": "1900000109",
        "appid": "wx1",
        "success_time": datetime(2026, 12, 3, 5, 0, tzinfo=UTC),
        "event_id": "EV-1",
        "event_type": "TRANSACTION.SUCCESS",
    }
    values.update(changes)
    return PaymentNotification(**values)  # type: ignore[arg-type]


def test_each_payment_attempt_gets_a_new_valid_out_trade_no() -> None:
    numbers = {new_out_trade_no() for _ in range(100)}

    assert len(numbers) == 100
    for number in numbers:
        assert validate_out_trade_no(number) == number
        assert 6 <= len(number) <= 32


@pytest.mark.parametrize("value", ["12345", "x" * 33, "RP-2026 01", "订单123456"])
def test_out_trade_no_outside_wechats_rules_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="out_trade_no"):
        validate_out_trade_no(value)


def test_a_prefix_that_makes_the_number_too_long_is_refused() -> None:
    with pytest.raises(ValueError, match="out_trade_no"):
        new_out_trade_no(prefix="R" * 10)


def test_time_expire_is_written_in_china_standard_time() -> None:
    moment = datetime(2026, 12, 3, 13, 0, 5, 999, tzinfo=UTC)
    new_york = moment.astimezone(timezone(timedelta(hours=-5)))

    assert format_time_expire(moment) == "2026-12-03T21:00:05+08:00"
    assert format_time_expire(new_york) == "2026-12-03T21:00:05+08:00"


def test_time_expire_without_a_timezone_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone"):
        format_time_expire(datetime(2026, 12, 3, 13, 0))


def test_a_notification_matching_our_record_passes() -> None:
    check_against_record(notification(), "1900000109", "wx1", 12_800, notification().out_trade_no)


def test_a_notification_for_another_merchant_and_amount_names_both_mismatches() -> None:
    with pytest.raises(RecordMismatch) as raised:
        check_against_record(
            notification(mchid="1900000999", amount_total_fen=1),
            "1900000109",
            "wx1",
            12_800,
            notification().out_trade_no,
        )

    assert set(raised.value.mismatches) == {"mchid", "amount_total_fen"}
    assert raised.value.mismatches["amount_total_fen"] == (12_800, 1)


def test_a_notification_for_another_attempt_is_a_mismatch() -> None:
    with pytest.raises(RecordMismatch) as raised:
        check_against_record(notification(), "1900000109", "wx1", 12_800, "RP-another-attempt")

    assert set(raised.value.mismatches) == {"out_trade_no"}


def test_success_answer_is_204_without_a_body() -> None:
    answer = NotifyAnswer.success()

    assert (answer.status_code, answer.body) == (204, b"")


def test_failure_answer_carries_wechats_fail_code() -> None:
    answer = NotifyAnswer.failure("数据库暂不可用", status_code=503)

    assert answer.status_code == 503
    assert answer.media_type == "application/json"
    assert json.loads(answer.body) == {"code": "FAIL", "message": "数据库暂不可用"}


def test_failure_answer_needs_an_error_status() -> None:
    with pytest.raises(ValueError, match="4xx or 5xx"):
        NotifyAnswer.failure("no", status_code=200)


def test_a_rejected_signature_is_answered_401() -> None:
    answer = NotifyAnswer.for_rejection(StaleTimestamp("old"))

    assert answer.status_code == 401
    assert json.loads(answer.body)["code"] == "FAIL"


def test_an_unpaid_transaction_has_no_success_time() -> None:
    transaction = Transaction.from_resource(
        {
            "appid": "wx1",
            "mchid": "1900000109",
            "out_trade_no": "RP123456",
            "trade_state": "NOTPAY",
            "amount": {"total": 5},
        }
    )

    assert transaction.trade_state is TradeState.NOTPAY
    assert transaction.success_time is None
    assert not transaction.paid
