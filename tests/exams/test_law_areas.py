"""Law areas are data: everyone reads them, administrators add a bureau's own, and questions,
blueprint rules, courses and activities accept exactly the areas of the table, by name."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.admin import site
from django.contrib.contenttypes.models import ContentType

from common.errors import ValidationFailed
from courses import services as course_services
from courses.admin import CourseAdmin
from courses.models import Course
from exams.admin import QuestionForm
from exams.models import SEED_LAW_AREAS, Exam, LawArea, Question
from tests.conftest import token_client
from tests.factories import AdminFactory, LawAreaFactory, QuestionFactory, UserFactory

pytestmark = pytest.mark.django_db

SEED = [
    "宪法",
    "民法典",
    "政府信息公开条例",
    "行政处罚法",
    "行政许可法",
    "行政强制法",
    "行政复议法",
    "行政诉讼法",
    "其他",
]


def names(body: dict) -> list[str]:
    return [row["name"] for row in body["results"]]


def test_the_nine_seed_areas_exist_and_everyone_signed_in_reads_them(api_client):
    # given
    staff = UserFactory()
    # when
    response = token_client(staff).get("/api/v1/law-areas/")
    # then
    assert response.status_code == 200
    assert names(response.json()) == SEED
    assert list(SEED_LAW_AREAS) == SEED
    assert api_client.get("/api/v1/law-areas/").status_code == 401


def test_an_administrator_adds_an_area_and_the_addition_is_audited():
    # given
    admin = AdminFactory()
    # when
    response = token_client(admin).post("/api/v1/law-areas/", {"name": " 建筑法 "}, format="json")
    # then
    assert response.status_code == 201
    assert response.json()["name"] == "建筑法"
    assert names(token_client(UserFactory()).get("/api/v1/law-areas/").json()) == [*SEED, "建筑法"]
    entry = LogEntry.objects.get(content_type=ContentType.objects.get_for_model(LawArea))
    assert entry.action == LogEntry.Action.CREATE
    assert entry.actor == admin
    assert entry.object_repr == "建筑法"


@pytest.mark.parametrize("name", ["", "   ", "宪法", "民法典", "字" * 33])
def test_a_blank_existing_or_too_long_name_is_refused_naming_the_field_and_changes_nothing(name):
    # given
    admin = AdminFactory()
    before = LogEntry.objects.count()
    # when
    response = token_client(admin).post("/api/v1/law-areas/", {"name": name}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["field"] == "name"
    assert list(LawArea.objects.values_list("name", flat=True)) == SEED
    assert LogEntry.objects.count() == before


def test_staff_may_not_add_an_area_and_nothing_changes():
    # when
    response = token_client(UserFactory()).post("/api/v1/law-areas/", {"name": "建筑法"}, format="json")
    # then
    assert response.status_code == 403
    assert LawArea.objects.count() == 9


def test_a_question_takes_an_added_area_and_is_refused_an_unknown_one():
    # given
    admin = AdminFactory()
    LawAreaFactory(name="城乡规划法")
    question = {
        "kind": "judge",
        "stem": "城乡规划经依法批准后，任何单位和个人都应当遵守。",
        "answer": ["T"],
        "category": "城乡规划法",
    }
    # when
    accepted = token_client(admin).post("/api/v1/questions/", question, format="json")
    refused = token_client(admin).post(
        "/api/v1/questions/", {**question, "stem": "另一题", "category": "招标投标法"}, format="json"
    )
    # then
    assert accepted.status_code == 201
    assert accepted.json()["category"] == "城乡规划法"
    assert refused.status_code == 400
    assert refused.json()["field"] == "category"
    assert "城乡规划法" in refused.json()["detail"]
    assert list(Question.objects.values_list("category", flat=True)) == ["城乡规划法"]


def test_a_blueprint_rule_takes_an_added_area_and_is_refused_an_unknown_one():
    # given
    admin = AdminFactory()
    LawAreaFactory(name="安全生产法")
    QuestionFactory(category="安全生产法")
    exam = {
        "title": "安全生产法专题",
        "kind": "annual",
        "duration_minutes": 30,
        "pass_score": 1,
        "review_policy": "after_submit",
        "rules": [{"kind": "single", "category": "安全生产法", "count": 1, "points": 2}],
    }
    # when
    accepted = token_client(admin).post("/api/v1/exams/", exam, format="json")
    refused = token_client(admin).post(
        "/api/v1/exams/",
        {**exam, "rules": [{"kind": "single", "category": "招标投标法", "count": 1, "points": 2}]},
        format="json",
    )
    # then
    assert accepted.status_code == 201
    assert accepted.json()["rules"][0]["category"] == "安全生产法"
    assert refused.status_code == 400
    assert refused.json()["field"] == "rules"
    assert Exam.objects.count() == 1


def test_an_activity_takes_an_added_area_and_is_refused_an_unknown_one():
    # given
    admin = AdminFactory()
    LawAreaFactory(name="招标投标法")
    data = course_services.ActivityIn(
        kind="lecture",
        title="招标投标法讲座",
        speaker="王律师",
        topic="招标投标",
        held_on=date(2026, 3, 1),
        law_area="招标投标法",
        hours=Decimal("2"),
    )
    # when
    activity = course_services.activity_create(data=data, actor=admin)
    with pytest.raises(ValidationFailed) as refused:
        course_services.activity_create(
            data=course_services.ActivityIn(
                kind="lecture",
                title="另一讲座",
                speaker="王律师",
                topic="招标投标",
                held_on=date(2026, 3, 2),
                law_area="不存在的法",
                hours=Decimal("2"),
            ),
            actor=admin,
        )
    # then
    assert activity.law_area == "招标投标法"
    assert activity.get_law_area_display() == "招标投标法"
    assert refused.value.field == "law_area"


def test_forms_offer_the_areas_of_the_table(rf):
    # given
    LawAreaFactory(name="建筑法")
    admin = AdminFactory()
    request = rf.get("/")
    request.user = admin
    # when
    question_choices = list(QuestionForm().fields["category"].choices)
    course_form = CourseAdmin(Course, admin_site=site).get_form(request)()
    course_choices = list(course_form.fields["law_area"].choices)
    # then
    assert [value for value, _label in question_choices] == [*SEED, "建筑法"]
    assert [value for value, _label in course_choices] == [*SEED, "建筑法"]


def test_seed_areas_read_in_english_and_an_added_one_as_written(settings):
    # given
    area = LawAreaFactory(name="建筑法")
    constitution = LawArea.objects.get(name="宪法")
    # when
    from django.utils import translation

    with translation.override("en"):
        labels = (constitution.label, area.label)
    # then
    assert labels[1] == "建筑法"
    assert labels[0] != "宪法"
