"""The credentials API and `may_enforce` on the staff API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from credentials import services
from credentials.models import Credential, CredentialEvent
from tests.conftest import token_client
from tests.factories import (
    AdminFactory,
    CredentialFactory,
    DepartmentFactory,
    LeaderFactory,
    UserFactory,
    qualification_question,
)

pytestmark = pytest.mark.django_db

LIST = "/api/v1/credentials/"


@pytest.fixture
def bureau():
    """A bureau with two divisions; a credential in each, and one outside the bureau."""
    top = DepartmentFactory(name="市局")
    left, right = (
        DepartmentFactory(name="执法一科", parent=top),
        DepartmentFactory(name="执法二科", parent=top),
    )
    other = DepartmentFactory(name="区局")
    return {
        "top": top,
        "left": left,
        "right": right,
        "other": other,
        "in_left": CredentialFactory(holder=UserFactory(department=left, name="左一")),
        "in_right": CredentialFactory(holder=UserFactory(department=right, name="右一")),
        "outside": CredentialFactory(holder=UserFactory(department=other, name="外一")),
    }


def numbers(response) -> set[str]:
    return {row["number"] for row in response.json()["results"]}


def test_each_role_lists_what_it_may_see(bureau):
    admin, leader = AdminFactory(), LeaderFactory(leader_of=[bureau["left"]])
    holder = bureau["in_right"].holder

    assert numbers(token_client(admin).get(LIST)) == {
        bureau[k].number for k in ("in_left", "in_right", "outside")
    }
    assert numbers(token_client(leader).get(LIST)) == {bureau["in_left"].number}
    assert numbers(token_client(holder).get(LIST)) == {bureau["in_right"].number}
    assert numbers(token_client(UserFactory()).get(LIST)) == set()
    assert token_client(holder).get(f"{LIST}{bureau['in_left'].pk}/").status_code == 404


def test_a_credential_carries_the_contract_fields(bureau):
    credential = bureau["in_left"]

    body = token_client(credential.holder).get(f"{LIST}{credential.pk}/").json()

    assert {k: body[k] for k in ("id", "number", "holder", "status", "valid_from", "valid_until")} == {
        "id": credential.pk,
        "number": credential.number,
        "holder": credential.holder_id,
        "status": "valid",
        "valid_from": credential.valid_from.isoformat(),
        "valid_until": credential.valid_until.isoformat(),
    }
    assert body["verify_url"] == f"http://testserver/verify/{credential.token}/"
    assert [event["action"] for event in body["events"]] == ["grant"]


def test_administrators_filter_by_status_department_subtree_expiry_and_review_standing(bureau):
    admin = AdminFactory()
    client = token_client(admin)
    services.credential_suspend(
        credential_id=bureau["in_right"].pk, reason="调查", actor=admin, now=timezone.now()
    )
    Credential.objects.filter(pk=bureau["outside"].pk).update(review_standing="failed")
    soon = (bureau["in_left"].valid_until + timedelta(days=1)).isoformat()

    assert numbers(client.get(LIST, {"status": "suspended"})) == {bureau["in_right"].number}
    assert numbers(client.get(LIST, {"department": bureau["top"].pk})) == {
        bureau["in_left"].number,
        bureau["in_right"].number,
    }
    assert numbers(client.get(LIST, {"department": bureau["left"].pk})) == {bureau["in_left"].number}
    assert numbers(client.get(LIST, {"expiring_before": soon})) == {
        bureau[k].number for k in ("in_left", "in_right", "outside")
    }
    assert numbers(client.get(LIST, {"expiring_before": bureau["in_left"].valid_until.isoformat()})) == set()
    assert numbers(client.get(LIST, {"review_standing": "failed"})) == {bureau["outside"].number}
    assert numbers(client.get(LIST, {"search": "左一"})) == {bureau["in_left"].number}


def test_a_malformed_filter_is_a_400_naming_the_field(bureau):
    response = token_client(AdminFactory()).get(LIST, {"expiring_before": "next week"})

    assert response.status_code == 400
    assert response.json()["field"] == "expiring_before"


@pytest.mark.parametrize(("act", "expected"), [("suspend", "suspended"), ("revoke", "revoked")])
def test_an_administrator_moves_a_credential_with_a_reason(bureau, act, expected):
    admin = AdminFactory()
    credential = bureau["in_left"]

    response = token_client(admin).post(
        f"{LIST}{credential.pk}/{act}/", {"reason": "依法处理"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == expected
    event = CredentialEvent.objects.filter(credential=credential).latest("id")
    assert (event.action, event.actor, event.reason) == (act, admin, "依法处理")


def test_an_illegal_transition_is_a_409_with_a_code_and_changes_nothing(bureau):
    credential = bureau["in_left"]
    client = token_client(AdminFactory())

    response = client.post(f"{LIST}{credential.pk}/restore/", {"reason": "恢复"}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "illegal_transition"
    assert Credential.objects.get(pk=credential.pk).status == "valid"
    assert CredentialEvent.objects.filter(credential=credential).count() == 1


def test_a_transition_without_a_reason_is_a_400_and_changes_nothing(bureau):
    credential = bureau["in_left"]

    response = token_client(AdminFactory()).post(f"{LIST}{credential.pk}/suspend/", {}, format="json")

    assert response.status_code == 400
    assert response.json()["field"] == "reason"
    assert Credential.objects.get(pk=credential.pk).status == "valid"


def test_staff_and_leaders_may_not_move_credentials(bureau):
    credential = bureau["in_left"]
    for user in (credential.holder, LeaderFactory(leader_of=[bureau["left"]])):
        response = token_client(user).post(f"{LIST}{credential.pk}/suspend/", {"reason": "x"}, format="json")
        assert response.status_code == 403
    assert Credential.objects.get(pk=credential.pk).status == "valid"


def test_bulk_grant_previews_then_grants_a_closed_session():
    from tests.factories import QualificationSessionFactory, sit_qualification

    now = timezone.now()
    session = QualificationSessionFactory(
        opens_at=now - timedelta(hours=3), closes_at=now - timedelta(hours=1)
    )
    qualification_question()
    people = [UserFactory(name=f"考生{i}") for i in range(2)]
    for person in people:
        sit_qualification(candidate=person, session=session, now=now - timedelta(hours=2))
    client = token_client(AdminFactory())

    preview = client.post(
        "/api/v1/credentials/bulk-grant/", {"session": session.pk, "preview": True}, format="json"
    )
    assert preview.status_code == 200
    assert (preview.json()["count"], Credential.objects.count()) == (2, 0)
    assert sorted(row["name"] for row in preview.json()["holders"]) == ["考生0", "考生1"]

    done = client.post("/api/v1/credentials/bulk-grant/", {"session": session.pk}, format="json")
    assert (done.status_code, done.json()["count"], Credential.objects.count()) == (200, 2, 2)


def test_the_staff_api_carries_may_enforce_from_one_subquery_of_the_list_statement(bureau):
    admin = AdminFactory()
    services.credential_suspend(
        credential_id=bureau["in_right"].pk, reason="调查", actor=admin, now=timezone.now()
    )
    for _ in range(5):
        CredentialFactory(holder=UserFactory(department=bureau["left"]))
    client = token_client(admin)

    with CaptureQueriesContext(connection) as context:
        rows = client.get("/api/v1/staff/", {"limit": 1000}).json()["results"]

    reading_credentials = [q["sql"] for q in context.captured_queries if "credentials_credential" in q["sql"]]
    assert len(rows) == 9
    assert len(reading_credentials) == 1  # the list statement itself, whatever the number of rows

    by_id = {row["id"]: row["may_enforce"] for row in rows}
    assert by_id[bureau["in_left"].holder_id] is True
    assert by_id[bureau["in_right"].holder_id] is False
    assert by_id[admin.pk] is False
    one = client.get(f"/api/v1/staff/{bureau['in_left'].holder_id}/").json()
    assert one["may_enforce"] is True


def test_a_staff_member_just_updated_through_the_api_still_carries_may_enforce(bureau):
    holder = bureau["in_left"].holder

    response = token_client(AdminFactory()).patch(
        f"/api/v1/staff/{holder.pk}/", {"name": "左一改"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["name"], response.json()["may_enforce"]) == ("左一改", True)


def test_the_schema_documents_the_credentials_api_with_its_errors():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    suspend = schema["paths"]["/api/v1/credentials/{id}/suspend/"]["post"]
    assert {"200", "400", "401", "403", "404", "409"} <= set(suspend["responses"])
    listing = schema["paths"]["/api/v1/credentials/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {
        "status",
        "department",
        "expiring_before",
        "review_standing",
    }
    staff = schema["components"]["schemas"]["Staff"]["properties"]
    assert staff["may_enforce"]["readOnly"] is True
