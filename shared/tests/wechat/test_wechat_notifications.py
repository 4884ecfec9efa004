"""Template and subscription notifications: cutting, de-duplication, error classification."""

import time
from typing import Any

import pytest

from reparo_shared.testing import free_port
from reparo_shared.wechat import (
    DeliveryFailed,
    Notification,
    NotificationSender,
    ReparoWeChatClient,
    make_client,
)
from reparo_shared.wechat.testing import RunningSandbox

FOLLOWER = "oSbx_zhangwei"
NOT_FOLLOWING = "oSbx_wangfang"
REVIEWED = "TPL_REQUEST_REVIEWED"


def _review_notice(event_id: str = "evt-1", openid: str = FOLLOWER, **fields: str) -> Notification:
    values = {
        "character_string1": "R20261203-0001",
        "thing2": "审核通过",
        "thing3": "请寄往深圳维修中心",
    }
    return Notification(
        event_id, openid, REVIEWED, {**values, **fields}, "https://reparo.example/o/1"
    )


def _inbox(sandbox: RunningSandbox, openid: str = FOLLOWER) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = sandbox.control("GET", f"/sandbox/api/users/{openid}/messages")
    return messages


@pytest.fixture
def sender(client: ReparoWeChatClient) -> NotificationSender:
    return NotificationSender.for_client(client)


def test_follower_receives_template_message_with_link(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    delivered = sender.send_template(_review_notice())

    inbox = _inbox(sandbox)
    assert [message["msgid"] for message in inbox] == [delivered.msgid]
    assert inbox[0]["data"]["thing2"] == "审核通过"
    assert inbox[0]["url"] == "https://reparo.example/o/1"
    assert inbox[0]["client_msg_id"] == "evt-1"


def test_over_long_values_are_cut_by_field_type(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    comment = "照片不清晰，请重新上传故障照片并补充购买凭证和序列号后再提交申请"
    order_number = "R2026120300000000000000001"  # 26 characters: under the 32 of a string

    sender.send_template(_review_notice(thing3=comment, character_string1=order_number))

    data = _inbox(sandbox)[0]["data"]
    assert data["thing3"] == comment[:19] + "…"
    assert data["character_string1"] == order_number


def test_configured_limit_overrides_the_default(
    sandbox: RunningSandbox, client: ReparoWeChatClient
) -> None:
    sender = NotificationSender(client, {"thing": 6})

    sender.send_template(_review_notice(thing2="审核通过，请寄回"))

    assert _inbox(sandbox)[0]["data"]["thing2"] == "审核通过，…"


def test_redelivered_event_reaches_the_customer_once(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    first = sender.send_template(_review_notice("evt-dup"))
    again = sender.send_template(_review_notice("evt-dup"))
    other = sender.send_template(_review_notice("evt-other"))

    assert again.msgid == first.msgid
    assert len(_inbox(sandbox)) == 2
    assert other.msgid != first.msgid


def test_same_event_after_ten_minutes_is_delivered_again(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    sender.send_template(_review_notice("evt-late"))
    sandbox.control("POST", "/sandbox/clock/advance", json={"seconds": 601})
    sender.send_template(_review_notice("evt-late"))

    assert len(_inbox(sandbox)) == 2


def _arm(sandbox: RunningSandbox, **fault: Any) -> None:
    sandbox.control(
        "POST", "/sandbox/faults", json={"path": "/cgi-bin/message/template/send", **fault}
    )


@pytest.mark.parametrize(
    "fault",
    [{"errcode": 45009}, {"errcode": -1}, {"http_status": 503}],
    ids=["daily-quota", "system-busy", "http-503"],
)
def test_passing_failures_are_retryable(
    sandbox: RunningSandbox, sender: NotificationSender, fault: dict[str, int]
) -> None:
    _arm(sandbox, **fault)

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(_review_notice())

    assert failed.value.retryable is True
    assert _inbox(sandbox) == []


def test_timed_out_send_is_retryable_and_the_retry_arrives_once(sandbox: RunningSandbox) -> None:
    sender = NotificationSender.for_client(make_client(sandbox.settings(timeout_seconds=0.3)))
    assert sender.client.access_token  # fetched before the hang is armed
    _arm(sandbox, hang_seconds=1.5)

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(_review_notice("evt-slow"))
    sender.send_template(_review_notice("evt-slow"))
    _wait_for_calls(sandbox, "template.send", 2)

    assert failed.value.retryable is True
    assert failed.value.errcode is None
    assert failed.value.maybe_delivered is True  # no answer: WeChat may have delivered it
    assert len(_inbox(sandbox)) == 1


def test_wechat_not_reachable_at_all_is_retryable_and_surely_not_delivered(
    sandbox: RunningSandbox,
) -> None:
    client = make_client(sandbox.settings())
    assert client.access_token  # fetched while the sandbox answers
    client.API_BASE_URL = f"http://127.0.0.1:{free_port()}/cgi-bin/"
    sender = NotificationSender.for_client(client)

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_subscription(_review_notice())

    assert failed.value.retryable is True
    assert failed.value.maybe_delivered is False


def test_a_refusal_by_wechat_was_surely_not_delivered(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    _arm(sandbox, errcode=45009)

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(_review_notice())

    assert failed.value.maybe_delivered is False


def _wait_for_calls(sandbox: RunningSandbox, counter: str, expected: int) -> None:
    """Until the sandbox has handled ``expected`` calls (the hung one finishes late)."""
    for _ in range(100):
        if sandbox.control("GET", "/sandbox/stats").get(counter, 0) >= expected:
            return
        time.sleep(0.1)
    raise AssertionError(f"sandbox never handled {expected} {counter} calls")


def test_customer_not_following_is_final(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(_review_notice(openid=NOT_FOLLOWING))

    assert failed.value.errcode == 43004
    assert failed.value.retryable is False


def test_unknown_template_is_final(sandbox: RunningSandbox, sender: NotificationSender) -> None:
    notice = Notification("evt-1", FOLLOWER, "TPL_DOES_NOT_EXIST", {"thing1": "x"})

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(notice)

    assert (failed.value.errcode, failed.value.retryable) == (40037, False)


def test_missing_required_field_is_final(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    notice = Notification("evt-1", FOLLOWER, REVIEWED, {"character_string1": "R1", "thing2": "ok"})

    with pytest.raises(DeliveryFailed) as failed:
        sender.send_template(notice)

    assert (failed.value.errcode, failed.value.retryable) == (47003, False)


def test_subscription_message_spends_one_consent_each(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    sandbox.control(
        "POST", f"/sandbox/users/{FOLLOWER}/consents", json={"template_id": REVIEWED, "count": 1}
    )
    long_comment = "请补充购买凭证和序列号照片后再次提交维修申请，谢谢配合"

    sender.send_subscription(_review_notice("evt-1", thing3=long_comment))
    with pytest.raises(DeliveryFailed) as failed:
        sender.send_subscription(_review_notice("evt-2"))

    assert (failed.value.errcode, failed.value.retryable) == (43101, False)
    inbox = _inbox(sandbox)
    assert [message["kind"] for message in inbox] == ["subscribe"]
    assert inbox[0]["data"]["thing3"] == long_comment[:19] + "…"


def test_subscription_without_consent_is_final(
    sandbox: RunningSandbox, sender: NotificationSender
) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        sender.send_subscription(_review_notice())

    assert (failed.value.errcode, failed.value.retryable) == (43101, False)
