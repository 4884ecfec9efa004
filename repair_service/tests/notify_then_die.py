"""Run the notifications consumer and kill the process right after WeChat accepted a message.

This is the crash ``client_msg_id`` and the ``sending`` record exist for: the message went out,
the consumer never committed nor acknowledged it, so the broker hands the event over again.
"""

import json
import os
import signal
from typing import Any

from repair_service.db import make_engine
from repair_service.notifications.config import MessageConfig, Notice, NoticeChannels
from repair_service.notifications.consumer import build_consumer
from reparo_shared.wechat import NotificationSender, ReparoWeChatClient, WeChatSettings


class SenderThatDies(NotificationSender):
    def send_template(self, notification: Any) -> Any:
        super().send_template(notification)
        os.kill(os.getpid(), signal.SIGKILL)

    def send_subscription(self, notification: Any) -> Any:
        super().send_subscription(notification)
        os.kill(os.getpid(), signal.SIGKILL)


overrides = json.loads(os.environ["NOTICES"])
config = MessageConfig.with_overrides(
    {Notice(name): NoticeChannels.model_validate(value) for name, value in overrides.items()}
)
sender = SenderThatDies.for_client(ReparoWeChatClient(WeChatSettings()))
consumer = build_consumer(
    make_engine(os.environ["DATABASE_URL"]),
    lambda: sender,
    "http://gateway.test",
    config=config,
    name_prefix=os.environ["QUEUE_PREFIX"],
    url=os.environ["AMQP_URL"],
    exchange=os.environ["EVENTS_EXCHANGE"],
)
consumer.run()
