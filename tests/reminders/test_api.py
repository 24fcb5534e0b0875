"""The API: the caller's own notifications with the unread count, marking read, and nudge now."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from reminders.models import Channel, Delivery, Notification, Occasion
from tests.conftest import token_client
from tests.factories import AdminFactory, DepartmentFactory, LeaderFactory, StudyPlanFactory, UserFactory
from tests.reminders.conftest import deliver, session_for, sit

pytestmark = pytest.mark.django_db


def notification(person, title="提醒", read=False):
    from reminders.models import Notification

    now = timezone.now()
    return Notification.objects.create(
        person=person,
        title=title,
        body=f"{title}正文",
        url="/exams/",
        created_at=now,
        read_at=now if read else None,
    )


def test_notifications_are_the_callers_own_with_the_unread_count():
    anna, bob = UserFactory(), UserFactory()
    first = notification(anna, "一")
    second = notification(anna, "二", read=True)
    notification(bob, "别人的")

    response = token_client(anna).get("/api/v1/notifications/")

    assert response.status_code == 200
    body = response.json()
    assert body["unread"] == 1
    assert body["count"] == 2
    assert [(n["id"], n["title"], n["body"], n["url"], n["read"]) for n in body["results"]] == [
        (second.pk, "二", "二正文", "/exams/", True),
        (first.pk, "一", "一正文", "/exams/", False),
    ]
    assert set(body["results"][0]) == {"id", "title", "body", "url", "read", "created_at"}


def test_marking_read_is_the_callers_alone():
    anna, bob = UserFactory(), UserFactory()
    mine = notification(anna)
    theirs = notification(bob)

    assert token_client(anna).post(f"/api/v1/notifications/{theirs.pk}/read/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None

    response = token_client(anna).post(f"/api/v1/notifications/{mine.pk}/read/")
    assert (response.status_code, response.json()["read"]) == (200, True)

    notification(anna)
    notification(anna)
    assert token_client(anna).post("/api/v1/notifications/read-all/").json() == {"marked": 2}
    assert Notification.objects.filter(person=anna, read_at__isnull=True).count() == 0
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_nudge_preview_counts_the_leaders_scope_who_still_have_to_act_and_sends_nothing(one_question_exam):
    now = timezone.now()
    led = DepartmentFactory(name="一大队")
    other = DepartmentFactory(name="二大队")
    waiting = UserFactory.create_batch(3, department=led)
    done = UserFactory(department=led)
    UserFactory.create_batch(2, department=other)
    leader = LeaderFactory(department=other, leader_of=[led])
    session = session_for(
        one_question_exam, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1)
    )
    sit(session, done, now=now, passing=False)

    response = token_client(leader).post(
        "/api/v1/reminders/nudge/", {"session": session.pk, "preview": True}, format="json"
    )

    assert (response.status_code, response.json()) == (200, {"recipients": 3})
    assert Occasion.objects.count() == 0

    sent = token_client(leader).post("/api/v1/reminders/nudge/", {"session": session.pk}, format="json")
    assert (sent.status_code, sent.json()) == (200, {"recipients": 3})
    deliver(now=timezone.now())
    assert set(Notification.objects.values_list("person_id", flat=True)) == {p.pk for p in waiting}
    assert set(Delivery.objects.values_list("channel", flat=True)) == {Channel.INBOX, Channel.EMAIL}

    again = token_client(leader).post("/api/v1/reminders/nudge/", {"session": session.pk}, format="json")
    assert (again.status_code, again.json()["code"]) == (429, "nudge_too_soon")
    assert Occasion.objects.count() == 1


def test_nudge_by_an_administrator_reaches_everyone_behind_on_a_plan():
    admin = AdminFactory()
    plan = StudyPlanFactory(year=timezone.localdate().year)
    UserFactory.create_batch(2)

    response = token_client(admin).post(
        "/api/v1/reminders/nudge/", {"plan": plan.pk, "preview": True}, format="json"
    )

    # the administrator is in the plan's audience and behind too
    assert response.json() == {"recipients": 3}


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "invalid"),
        ({"session": 1, "plan": 1}, 400, "invalid"),
        ({"session": 999999}, 400, "invalid"),
        ({"session": "x"}, 400, "invalid"),
    ],
)
def test_nudge_refuses_bad_input(body, status, code):
    response = token_client(AdminFactory()).post("/api/v1/reminders/nudge/", body, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code)
    assert Occasion.objects.count() == 0


def test_staff_may_not_nudge_and_a_closed_session_is_a_conflict(one_question_exam):
    now = timezone.now()
    session = session_for(
        one_question_exam, opens_at=now - timedelta(days=2), closes_at=now - timedelta(days=1)
    )
    assert (
        token_client(UserFactory())
        .post("/api/v1/reminders/nudge/", {"session": session.pk}, format="json")
        .status_code
        == 403
    )
    closed = token_client(AdminFactory()).post(
        "/api/v1/reminders/nudge/", {"session": session.pk}, format="json"
    )
    assert (closed.status_code, closed.json()["code"]) == (409, "target_closed")
    assert Occasion.objects.count() == 0


def test_the_nudge_page_previews_then_confirms(client, one_question_exam):
    now = timezone.now()
    admin = AdminFactory(name="管理员")
    UserFactory(name="安娜")
    session = session_for(
        one_question_exam, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=1)
    )
    client.force_login(admin)

    page = client.get(f"/reminders/nudge/?session={session.pk}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "安娜" in text and 'id="preview-count"' in text
    assert Occasion.objects.count() == 0

    confirmed = client.post(
        f"/reminders/nudge/?session={session.pk}", {"session": session.pk, "confirm": "1"}
    )
    assert confirmed.status_code == 302
    assert Occasion.objects.get().actor == admin
    again = client.post(f"/reminders/nudge/?session={session.pk}", {"session": session.pk, "confirm": "1"})
    assert "一小时内已催办过" in again.content.decode()
    assert Occasion.objects.count() == 1


def test_every_page_fetches_the_unread_count_and_the_inbox_marks_all_read(client):
    anna = UserFactory()
    notification(anna, "考试通知")
    notification(anna, "第二条")
    client.force_login(anna)

    home = client.get("/").content.decode()
    assert 'hx-get="/reminders/inbox/unread/"' in home
    badge = client.get("/reminders/inbox/unread/").content.decode()
    assert badge.strip() == '<span class="badge" data-unread="2">2</span>'
    page = client.get("/reminders/inbox/").content.decode()
    assert "考试通知" in page
    client.post("/reminders/inbox/read-all/")
    assert client.get("/reminders/inbox/unread/").content.decode().strip() == ""
