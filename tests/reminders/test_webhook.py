"""The group-robot channel against a real HTTP server on 127.0.0.1 that records the JSON it receives."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from reminders.models import Channel, Delivery, DeliveryStatus, WebhookPost
from reminders.services import delivery
from tests.factories import SessionRuleFactory, UserFactory
from tests.reminders.conftest import deliver, session_for

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai

pytestmark = pytest.mark.django_db


class Robot:
    """A group robot: records each request; answers with the queued replies, then with success."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.replies: list[tuple[int, dict[str, Any]]] = []
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                robot.requests.append((self.path, json.loads(self.rfile.read(length))))
                status, answer = (
                    robot.replies.pop(0) if robot.replies else (200, {"errcode": 0, "errmsg": "ok"})
                )
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"


@pytest.fixture
def robot(settings) -> Iterator[Robot]:
    robot = Robot()
    thread = threading.Thread(target=robot.server.serve_forever, daemon=True)
    thread.start()
    settings.REMINDERS_WEBHOOK_URL = robot.url
    settings.REMINDERS_WEBHOOK_KIND = "wecom"
    try:
        yield robot
    finally:
        robot.server.shutdown()
        robot.server.server_close()


def webhook_rule(exam, **kwargs):
    session = session_for(exam, opens_at=NOW - timedelta(hours=1), closes_at=NOW + timedelta(days=2))
    return SessionRuleFactory(
        session=session,
        via_inbox=False,
        via_webhook=True,
        title="考试通知：{考试名称}",
        body="请以下同志参加考试：{姓名}，截止{截止时间}。",
        **kwargs,
    )


def test_a_robot_failing_twice_is_retried_with_back_off_and_the_message_goes_out_once(
    robot, one_question_exam
):
    # given a robot that fails twice (a server error, then an errcode), then accepts
    anna, bob = UserFactory(name="安娜"), UserFactory(name="鲍勃")
    rule = webhook_rule(one_question_exam)
    robot.replies = [(500, {"errcode": -1}), (200, {"errcode": 45009, "errmsg": "api freq out of limit"})]

    deliver(now=NOW)
    assert [row.next_try_at for row in Delivery.objects.all()] == [NOW + timedelta(seconds=60)] * 2
    deliver(now=NOW + timedelta(seconds=59))
    assert len(robot.requests) == 1  # not before the back-off is over
    deliver(now=NOW + timedelta(seconds=60))
    assert {row.next_try_at for row in Delivery.objects.all()} == {NOW + timedelta(seconds=60 + 120)}
    deliver(now=NOW + timedelta(seconds=179))
    assert len(robot.requests) == 2
    deliver(now=NOW + timedelta(seconds=180))
    deliver(now=NOW + timedelta(seconds=600))

    # then three posts of the same message, one accepted; each row sent once, after two tries
    assert len(robot.requests) == 3
    session = rule.session
    text = (
        f"### 考试通知：{session.title}\n\n请以下同志参加考试：安娜、鲍勃，截止2026-03-04 10:00。\n\n"
        f"[查看详情](http://127.0.0.1:8000/exams/#session-{session.pk})"
    )
    assert [body for _path, body in robot.requests] == [
        {"msgtype": "markdown", "markdown": {"content": text}}
    ] * 3
    assert sorted(Delivery.objects.values_list("person_id", "status", "tries", "sent_at")) == sorted(
        (person.pk, DeliveryStatus.SENT, 2, NOW + timedelta(seconds=180)) for person in (anna, bob)
    )
    assert list(WebhookPost.objects.order_by("created_at").values_list("ok", flat=True)) == [
        False,
        False,
        True,
    ]
    assert "errcode 45009" in WebhookPost.objects.filter(ok=False).order_by("created_at").last().error


def test_dingtalk_messages_are_signed_and_titled(robot, settings, one_question_exam):
    settings.REMINDERS_WEBHOOK_KIND = "dingtalk"
    settings.REMINDERS_WEBHOOK_SECRET = "SEC-test-secret"
    UserFactory(name="安娜")
    webhook_rule(one_question_exam)

    deliver(now=NOW)

    ((path, body),) = robot.requests
    query = parse_qs(urlparse(path).query)
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(b"SEC-test-secret", f"{timestamp}\nSEC-test-secret".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]
    assert query["key"] == ["test"]
    assert body["msgtype"] == "markdown"
    assert body["markdown"]["title"].startswith("考试通知：")
    assert "安娜" in body["markdown"]["text"]


def test_the_robot_rate_limit_holds_the_rest_until_the_minute_is_over(
    robot, settings, monkeypatch, one_question_exam
):
    settings.REMINDERS_WEBHOOK_PER_MINUTE = 2
    monkeypatch.setattr(delivery, "WEBHOOK_CHUNK", 2)
    UserFactory.create_batch(5)
    webhook_rule(one_question_exam)

    deliver(now=NOW)
    assert len(robot.requests) == 2
    waiting = Delivery.objects.filter(status=DeliveryStatus.PENDING)
    assert (waiting.count(), {row.next_try_at for row in waiting}) == (1, {NOW + timedelta(minutes=1)})

    deliver(now=NOW + timedelta(seconds=30))
    assert len(robot.requests) == 2
    deliver(now=NOW + timedelta(minutes=1))
    assert len(robot.requests) == 3
    assert Delivery.objects.filter(channel=Channel.WEBHOOK, status=DeliveryStatus.SENT).count() == 5


def test_the_robot_waits_for_working_hours(robot, one_question_exam):
    UserFactory()
    webhook_rule(one_question_exam)
    deliver(now=datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # 07:00 in Shanghai
    assert robot.requests == []
    deliver(now=datetime(2026, 3, 3, 0, 0, tzinfo=UTC))  # 08:00
    assert len(robot.requests) == 1
