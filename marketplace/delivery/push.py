"""Push through SNS: a topic per buyer app (``marketplace.delivery.BUYER_APPS``, ``<prefix>-push-<app>``),
each app's push service subscribed to its own topic with a filter policy on the message attributes (and,
in AWS, fanning out to the app's platform endpoints). A person's push goes to the topics of the apps they
registered on ``/v1/me``; someone with no app registered (brokers and admins, who use the back office)
gets it on the notifications topic, as before. Locally every topic also delivers to a queue that can be
read."""

from __future__ import annotations

import json
from collections.abc import Iterable

from marketplace.aws import client
from marketplace.config import settings


def push_topic_name(prefix: str, app: str) -> str:
    """The one spelling of an app's topic name (infra's, local provisioning's)."""
    return f"{prefix}-push-{app}"


def _topics(apps: Iterable[str]) -> list[tuple[str | None, str]]:
    """(app, topic ARN) to publish on: the registered apps' topics, else the notifications topic."""
    cfg = settings()
    chosen = [(app, cfg.push_topic_arns[app]) for app in dict.fromkeys(apps) if cfg.push_topic_arns.get(app)]
    return chosen or ([(None, cfg.notify_topic_arn)] if cfg.notify_topic_arn else [])


def send_push(*, recipient: str, kind: str, title: str, body: str, data: dict | None = None,
              event_id: str | None = None, apps: Iterable[str] = ()) -> list[str]:
    """Publish one push message on each of the recipient's topics (``apps``: the apps they registered); the
    SNS message ids (none when no push topic is configured). Every copy carries the ``recipient`` and
    ``type`` attributes the apps' subscriptions filter on, and the ``app`` it is for."""
    message = json.dumps({"recipient": recipient, "type": kind, "title": title, "text": body, "data": data or {},
                          "event_id": event_id}, default=str)
    sent = []
    for app, topic in _topics(apps):
        attributes = {"recipient": {"DataType": "String", "StringValue": recipient},
                      "type": {"DataType": "String", "StringValue": kind},
                      **({"app": {"DataType": "String", "StringValue": app}} if app else {})}
        sent.append(client("sns").publish(TopicArn=topic, Message=message, MessageAttributes=attributes)["MessageId"])
    return sent
