"""Nudge about credentials: ``{"credentials": "at_risk"}`` (or one reason) reminds, at once, the people
in the caller's scope whose credential is at risk by the credentials app's rule, recomputed at send
time; preview, once an hour, leaders and administrators only, bad input named. The known bureau of
tests/reports/conftest.py, read on its TODAY: a1 expiring, a2 suspended, a3 revoked (an officer who
may not enforce), b1 failed the review; b2 and c1 hold good credentials; a4 left."""

from __future__ import annotations

from typing import Any

import pytest
import time_machine

from credentials.models import Credential
from credentials.selectors import people_at_risk
from reminders.forms import RuleForm
from reminders.models import Channel, Delivery, Event, Notification, Occasion
from tests.conftest import token_client
from tests.factories import UserFactory
from tests.reminders.conftest import deliver
from tests.reports.conftest import TODAY, credentialed_bureau, known_bureau, noon  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

NUDGE = "/api/v1/reminders/nudge/"
NOW = noon(TODAY)


@pytest.fixture
def bureau(credentialed_bureau: Any) -> Any:  # noqa: F811 (the reports' known bureau, with credentials)
    return credentialed_bureau


def ids(bureau: Any, *keys: str) -> set[int]:
    return {bureau.people[key].pk for key in keys}


def nudge(user: Any, body: dict[str, Any]) -> Any:
    with time_machine.travel(NOW, tick=False):
        return token_client(user).post(NUDGE, body, format="json")


def test_an_administrator_reminds_everyone_at_risk_once_and_a_repeat_within_the_hour_is_refused(
    bureau,
):
    preview = nudge(bureau.admin, {"credentials": "at_risk", "preview": True})
    assert (preview.status_code, preview.json()) == (200, {"recipients": 4})
    assert (Occasion.objects.count(), Delivery.objects.count(), Notification.objects.count()) == (0, 0, 0)

    sent = nudge(bureau.admin, {"credentials": "at_risk"})
    assert (sent.status_code, sent.json()) == (200, {"recipients": 4})
    occasion = Occasion.objects.get()
    assert (occasion.event, occasion.key, occasion.actor, occasion.scope_paths, occasion.rule) == (
        Event.CREDENTIALS_AT_RISK,
        "at_risk",
        bureau.admin,
        None,
        None,
    )
    with time_machine.travel(NOW, tick=False):
        deliver(now=NOW)
    assert set(Notification.objects.values_list("person_id", flat=True)) == ids(
        bureau, "a1", "a2", "a3", "b1"
    )
    assert set(Delivery.objects.values_list("channel", flat=True)) == {Channel.INBOX, Channel.EMAIL}
    a2 = Notification.objects.get(person=bureau.people["a2"])
    assert a2.title == "执法资格提醒"
    assert a2.body.startswith("甲二，您好！您的执法资格需要处理")
    assert a2.body.endswith("/credentials/")
    rows = Delivery.objects.count()

    with time_machine.travel(NOW.replace(minute=59), tick=False):
        again = token_client(bureau.admin).post(NUDGE, {"credentials": "expiring"}, format="json")
    assert (again.status_code, again.json()["code"]) == (429, "nudge_too_soon")
    assert (Occasion.objects.count(), Delivery.objects.count(), Notification.objects.count()) == (1, rows, 4)


def test_a_leader_reminds_only_the_people_at_risk_in_the_subtrees_they_lead(bureau):
    # b1 (二处, review failed) is at risk outside the leader's 一处; b2 and c1 are not at risk
    assert nudge(bureau.leader, {"credentials": "at_risk", "preview": True}).json() == {"recipients": 3}
    assert nudge(bureau.leader, {"credentials": "at_risk"}).json() == {"recipients": 3}
    with time_machine.travel(NOW, tick=False):
        deliver(now=NOW)
    assert set(Notification.objects.values_list("person_id", flat=True)) == ids(bureau, "a1", "a2", "a3")
    assert Occasion.objects.get().scope_paths == [bureau.division1.path]


def test_someone_who_renewed_between_the_nudge_and_the_send_is_skipped(bureau):
    assert nudge(bureau.leader, {"credentials": "expiring"}).json() == {"recipients": 1}
    # a1's credential is extended past the 90-day window before the workers send
    Credential.objects.filter(holder=bureau.people["a1"]).update(valid_until=TODAY.replace(year=2030))
    with time_machine.travel(NOW, tick=False):
        deliver(now=NOW)
    assert Notification.objects.count() == 0


@pytest.mark.parametrize(
    ("which", "keys"),
    [
        ("at_risk", ("a1", "a2", "a3", "b1")),
        ("expiring", ("a1",)),
        ("suspended", ("a2",)),
        ("review_failed", ("b1",)),
        ("not_enforcing", ("a2", "a3", "b1")),
    ],
)
def test_each_list_reminds_its_own_people_by_the_credentials_rule(bureau, which, keys):
    assert nudge(bureau.admin, {"credentials": which, "preview": True}).json() == {"recipients": len(keys)}
    assert set(people_at_risk(reason=which, on=TODAY).values_list("pk", flat=True)) == ids(bureau, *keys)


def test_staff_may_not_nudge_about_credentials(client, bureau):
    staff = UserFactory()
    response = nudge(staff, {"credentials": "at_risk"})
    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    client.force_login(staff)
    page = client.post("/reminders/nudge/?credentials=at_risk", {"credentials": "at_risk", "confirm": "1"})
    assert page.status_code == 403
    assert (Occasion.objects.count(), Delivery.objects.count()) == (0, 0)


@pytest.mark.parametrize(
    "body",
    [
        {"credentials": "bogus"},
        {"credentials": "at_risk", "plan": 1},
        {"credentials": "at_risk", "session": 1},
        {"credentials": ""},
    ],
)
def test_bad_input_is_400_naming_the_field_and_changes_nothing(bureau, body):
    response = nudge(bureau.admin, body)
    assert (response.status_code, response.json()["code"], response.json()["field"]) == (
        400,
        "invalid",
        "credentials",
    )
    assert (Occasion.objects.count(), Delivery.objects.count()) == (0, 0)


def test_the_nudge_page_previews_then_confirms_a_credentials_nudge(client, bureau):
    client.force_login(bureau.leader)
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reminders/nudge/", {"credentials": "at_risk"})
        text = page.content.decode()
        assert page.status_code == 200
        assert "执法资格有风险人员" in text and "甲一" in text and "乙一" not in text
        assert '<input type="hidden" name="credentials" value="at_risk">' in text
        assert Occasion.objects.count() == 0

        confirmed = client.post(
            "/reminders/nudge/?credentials=at_risk", {"credentials": "at_risk", "confirm": "1"}
        )
        assert confirmed.status_code == 302
        again = client.post(
            "/reminders/nudge/?credentials=at_risk", {"credentials": "at_risk", "confirm": "1"}
        )
        assert "一小时内已催办过" in again.content.decode()
        bogus = client.get("/reminders/nudge/", {"credentials": "bogus"}).content.decode()
    occasion = Occasion.objects.get()
    assert (occasion.actor, occasion.key) == (bureau.leader, "at_risk")
    assert 'id="nudge-error"' in bogus and "credentials 须为" in bogus


def test_a_rule_cannot_wait_for_the_nudges_own_event():
    assert Event.CREDENTIALS_AT_RISK not in dict(RuleForm().fields["event"].choices)  # type: ignore[attr-defined]


def test_an_english_preview_shows_the_words_translated_and_the_reminder_goes_out_in_chinese(client, bureau):
    from django.conf import settings

    client.force_login(bureau.admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with time_machine.travel(NOW, tick=False):
        page = client.get("/reminders/nudge/", {"credentials": "suspended"}).content.decode()
        client.post("/reminders/nudge/?credentials=suspended", {"credentials": "suspended", "confirm": "1"})
        deliver(now=NOW)
    assert "Credentials suspended" in page and "your enforcement credential is suspended" in page
    assert list(Notification.objects.values_list("person__name", "title", "body")) == [
        (
            "甲二",
            "执法证已暂扣",
            f"甲二，您好！您的执法证已被暂扣，请尽快查看并办理。{settings.SITE_URL}/credentials/",
        )
    ]
