import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from courses.models import ActivityAttendance, LessonProgress, StudyActivity, StudyHoursEntry, StudyPlan
from courses.services import activity_attendees_add, activity_sign_in_open
from tests.conftest import token_client
from tests.factories import (
    AdminFactory,
    ConstitutionCourseFactory,
    CourseFactory,
    DepartmentFactory,
    LeaderFactory,
    LessonFactory,
    StudyActivityFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 4, 1, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
THROTTLED_60 = "请求已被限流。 预计 60 秒后可用。"

# ---------------------------------------------------------------- courses and lessons


def test_course_list_carries_my_progress_and_hides_unpublished_courses_from_staff():
    course = ConstitutionCourseFactory(title="宪法", study_hours=Decimal("2"), description="根本法")
    first, _second = LessonFactory(course=course), LessonFactory(course=course)
    CourseFactory(is_published=False)
    person = UserFactory()
    LessonProgress.objects.create(user=person, lesson=first, started_at=T0, completed_at=T0)

    response = token_client(person).get("/api/v1/courses/")

    assert response.status_code == 200
    assert response.json()["results"] == [
        {
            "id": course.pk,
            "title": "宪法",
            "law_area": "宪法",
            "law_area_display": "宪法",
            "description": "根本法",
            "cover": None,
            "study_hours": "2.0",
            "lessons_total": 2,
            "quiz": None,
            "quiz_required": False,
            "my_progress": {
                "lessons_total": 2,
                "lessons_completed": 1,
                "percent": 50,
                "completed": False,
                "completed_at": None,
                "quiz_required": False,
                "quiz_passed": None,
                "awaiting_quiz": False,
            },
        }
    ]
    assert token_client(AdminFactory()).get("/api/v1/courses/").json()["count"] == 2


def test_course_list_takes_a_constant_number_of_queries(django_assert_max_num_queries):
    person = UserFactory()
    for course in CourseFactory.create_batch(8):
        LessonFactory.create_batch(3, course=course)
    client = token_client(person)
    with django_assert_max_num_queries(6):
        response = client.get("/api/v1/courses/")
    assert response.json()["count"] == 8


def test_unpublished_course_and_its_lessons_are_404_for_staff():
    lesson = LessonFactory(course=CourseFactory(is_published=False))
    client = token_client(UserFactory())
    assert client.get(f"/api/v1/courses/{lesson.course_id}/").status_code == 404
    assert client.get(f"/api/v1/lessons/{lesson.pk}/").status_code == 404
    assert client.post(f"/api/v1/lessons/{lesson.pk}/heartbeat/", {}, format="json").status_code == 404
    assert LessonProgress.objects.count() == 0


def test_lesson_detail_gives_the_body_as_escaped_html_with_articles_and_progress():
    lesson = LessonFactory(
        title="第一章",
        body="# 总纲\n\n> 第一条 中华人民共和国是……\n\n<script>alert(1)</script>",
        articles="《中华人民共和国宪法》第一条\n《中华人民共和国宪法》第二条",
        min_study_seconds=300,
    )
    body = token_client(UserFactory()).get(f"/api/v1/lessons/{lesson.pk}/").json()
    assert body["body_html"] == (
        "<h2>总纲</h2>\n"
        '<blockquote class="article"><p><span class="article-no">第一条</span> 中华人民共和国是……</p></blockquote>\n'
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )
    assert body["articles"] == ["《中华人民共和国宪法》第一条", "《中华人民共和国宪法》第二条"]
    assert body["course"] == {"id": lesson.course_id, "title": lesson.course.title}
    assert body["my_progress"] == {
        "seconds_spent": 0,
        "end_reached": False,
        "completed": False,
        "completed_at": None,
    }
    assert body["attachments"] == []


def test_heartbeats_through_the_api_complete_the_lesson_and_the_course_and_credit_hours():
    course = CourseFactory(study_hours=Decimal("1.5"))
    lesson = LessonFactory(course=course, min_study_seconds=20)
    person = UserFactory()
    client = token_client(person)
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    with time_machine.travel(T0, tick=False) as traveller:
        assert client.post(url, {}, format="json").json()["credited_seconds"] == 0
        traveller.shift(15)
        assert client.post(url, {"end_reached": True}, format="json").json() == {
            "seconds_spent": 15,
            "end_reached": True,
            "completed": False,
            "completed_at": None,
            "min_study_seconds": 20,
            "credited_seconds": 15,
            "course_completed": False,
        }
        traveller.shift(15)
        done = client.post(url, {}, format="json").json()
    assert (done["seconds_spent"], done["completed"], done["course_completed"]) == (30, True, True)
    assert done["completed_at"] == "2026-04-01T09:00:30+08:00"
    assert list(StudyHoursEntry.objects.filter(person=person).values_list("course_id", "hours")) == [
        (course.pk, Decimal("1.5"))
    ]


def test_heartbeat_api_is_a_handful_of_statements_auth_included(django_assert_max_num_queries):
    lesson = LessonFactory(min_study_seconds=600)
    client = token_client(UserFactory())
    url = f"/api/v1/lessons/{lesson.pk}/heartbeat/"
    client.post(url, {}, format="json")
    # token and user, the lesson, and the heartbeat's six (see test_progress)
    with django_assert_max_num_queries(8):
        response = client.post(url, {}, format="json")
    assert response.status_code == 200


def test_heartbeat_with_a_bad_end_reached_is_400_and_changes_nothing():
    lesson = LessonFactory()
    response = token_client(UserFactory()).post(
        f"/api/v1/lessons/{lesson.pk}/heartbeat/", {"end_reached": "maybe"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"]["end_reached"]
    assert LessonProgress.objects.count() == 0


def test_complete_before_the_minimum_time_is_409_lesson_not_finished():
    lesson = LessonFactory(min_study_seconds=60)
    client = token_client(UserFactory())
    with time_machine.travel(T0, tick=False) as traveller:
        client.post(f"/api/v1/lessons/{lesson.pk}/heartbeat/", {}, format="json")
        traveller.shift(20)
        response = client.post(f"/api/v1/lessons/{lesson.pk}/complete/")
    assert response.status_code == 409
    assert response.json() == {"detail": "本章还需学习 40 秒才能完成。", "code": "lesson_not_finished"}
    assert LessonProgress.objects.get().completed_at is None


def test_course_completion_endpoint_is_409_while_lessons_are_left():
    lesson = LessonFactory()
    response = token_client(UserFactory()).post(f"/api/v1/courses/{lesson.course_id}/completion/")
    assert response.status_code == 409
    assert response.json()["code"] == "course_incomplete"


def test_course_detail_lists_lessons_with_my_progress():
    course = CourseFactory()
    first = LessonFactory(course=course, position=1, title="总则", min_study_seconds=30)
    LessonFactory(course=course, position=2, title="物权")
    person = UserFactory()
    LessonProgress.objects.create(
        user=person, lesson=first, started_at=T0, seconds_spent=12, end_reached_at=T0
    )
    body = token_client(person).get(f"/api/v1/courses/{course.pk}/").json()
    assert [
        (lesson["title"], lesson["my_progress"]["seconds_spent"], lesson["my_progress"]["end_reached"])
        for lesson in body["lessons"]
    ] == [
        ("总则", 12, True),
        ("物权", 0, False),
    ]


# ---------------------------------------------------------------- plans


def plan_body(*courses, year=2026, departments=()):
    return {
        "year": year,
        "title": f"{year}年度学法计划",
        "required_hours": "20",
        "departments": list(departments),
        "courses": [
            {"course": course.pk, "required": required, "due_on": due} for course, required, due in courses
        ],
    }


def test_admin_creates_a_plan_through_the_api():
    constitution, civil = ConstitutionCourseFactory(title="宪法"), CourseFactory(title="民法典")
    department = DepartmentFactory(name="城建监察支队")
    response = token_client(AdminFactory()).post(
        "/api/v1/study-plans/",
        plan_body((constitution, True, "2026-12-04"), (civil, False, None), departments=[department.pk]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["departments"] == [{"id": department.pk, "name": "城建监察支队"}]
    assert [(c["course"]["title"], c["required"], c["due_on"]) for c in body["courses"]] == [
        ("宪法", True, "2026-12-04"),
        ("民法典", False, None),
    ]
    assert body["required_hours"] == "20.0"


def test_a_plan_without_the_constitution_is_refused_with_a_clear_message():
    civil = CourseFactory()
    response = token_client(AdminFactory()).post(
        "/api/v1/study-plans/", plan_body((civil, True, None)), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "年度学法计划的必修课程中必须有宪法课程：宪法是每年学法计划的固定内容。",
        "code": "constitution_required",
        "field": "courses",
    }
    assert StudyPlan.objects.count() == 0


def test_patching_the_constitution_out_of_a_plan_is_refused_and_changes_nothing():
    constitution, civil = ConstitutionCourseFactory(), CourseFactory()
    plan = StudyPlanFactory(year=2026, courses=[constitution, civil])
    client = token_client(AdminFactory())
    response = client.patch(
        f"/api/v1/study-plans/{plan.pk}/", {"courses": [{"course": civil.pk}]}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "constitution_required"
    assert set(plan.entries.values_list("course_id", flat=True)) == {constitution.pk, civil.pk}
    renamed = client.patch(f"/api/v1/study-plans/{plan.pk}/", {"title": "新名称"}, format="json")
    assert renamed.status_code == 200
    assert renamed.json()["title"] == "新名称"
    assert len(renamed.json()["courses"]) == 2


def test_staff_may_not_write_plans_and_see_only_the_plans_that_apply_to_them():
    department, other = DepartmentFactory(), DepartmentFactory()
    person = UserFactory(department=department)
    mine = StudyPlanFactory(departments=[department])
    everyone = StudyPlanFactory()
    StudyPlanFactory(departments=[other])
    client = token_client(person)
    assert (
        client.post(
            "/api/v1/study-plans/", plan_body((ConstitutionCourseFactory(), True, None)), format="json"
        ).status_code
        == 403
    )
    assert sorted(plan["id"] for plan in client.get("/api/v1/study-plans/").json()["results"]) == sorted(
        [mine.pk, everyone.pk]
    )


def test_my_plan_answers_progress_bars_hours_and_overdue():
    person = UserFactory()
    constitution = ConstitutionCourseFactory(title="宪法", study_hours=Decimal("2"))
    LessonFactory.create_batch(2, course=constitution)
    from courses.services import PlanCourseIn

    plan = StudyPlanFactory(
        year=2026,
        required_hours=Decimal("8"),
        courses=[PlanCourseIn(course=constitution, due_on=date(2026, 3, 31))],
    )
    with time_machine.travel(T0):
        body = token_client(person).get("/api/v1/my-plan/?year=2026").json()
    assert body == {
        "year": 2026,
        "plans": [{"id": plan.pk, "year": 2026, "title": plan.title}],
        "required_hours": "8.0",
        "hours_earned": "0.0",
        "hours_percent": 0,
        "hours_overdue": False,
        "required_courses": [
            {
                "course": {
                    "id": constitution.pk,
                    "title": "宪法",
                    "law_area": "宪法",
                    "law_area_display": "宪法",
                    "study_hours": "2.0",
                },
                "required": True,
                "due_on": "2026-03-31",
                "overdue": True,
                "progress": {
                    "lessons_total": 2,
                    "lessons_completed": 0,
                    "percent": 0,
                    "completed": False,
                    "completed_at": None,
                    "quiz_required": False,
                    "quiz_passed": None,
                    "awaiting_quiz": False,
                },
            }
        ],
        "elective_courses": [],
        "overdue_courses": [constitution.pk],
    }


# ---------------------------------------------------------------- activities


def activity_body(**overrides):
    body = {
        "kind": "lecture",
        "title": "法治讲堂：民法典中的物权",
        "held_on": "2026-04-15",
        "speaker": "陈律师",
        "speaker_title": "某律师事务所律师",
        "law_area": "民法典",
        "topic": "民法典物权编",
        "hours": "2.0",
    }
    return {**body, **overrides}


def test_admin_records_an_activity_then_its_attendees_by_department_get_their_hours():
    division = DepartmentFactory()
    people = UserFactory.create_batch(3, department=division)
    client = token_client(AdminFactory())
    created = client.post("/api/v1/activities/", activity_body(), format="json")
    assert created.status_code == 201, created.json()
    activity_id = created.json()["id"]
    assert created.json()["kind_display"] == "法治讲堂"
    assert created.json()["attendee_count"] == 0

    added = client.post(
        f"/api/v1/activities/{activity_id}/attendees/", {"departments": [division.pk]}, format="json"
    )
    assert added.json() == {"added": 3, "attendee_count": 3}
    for person in people:
        assert list(
            StudyHoursEntry.objects.filter(person=person).values_list("activity_id", "hours", "year")
        ) == [(activity_id, Decimal("2.0"), 2026)]
    assert set(ActivityAttendance.objects.values_list("method", flat=True)) == {"bulk"}

    listed = client.get(f"/api/v1/activities/{activity_id}/attendees/").json()
    assert listed["count"] == 3

    removed = client.delete(f"/api/v1/activities/{activity_id}/attendees/{people[0].pk}/")
    assert removed.status_code == 204
    assert StudyHoursEntry.objects.filter(person=people[0]).count() == 0
    assert client.delete(f"/api/v1/activities/{activity_id}/attendees/{people[0].pk}/").status_code == 404


def test_changing_an_activity_s_hours_through_the_api_changes_the_attendees_ledger():
    person = UserFactory()
    activity = StudyActivityFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    response = token_client(AdminFactory()).patch(
        f"/api/v1/activities/{activity.pk}/", {"hours": "3.5"}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert StudyHoursEntry.objects.get(person=person).hours == Decimal("3.5")


def test_an_activity_missing_what_its_kind_needs_is_400_naming_the_field():
    response = token_client(AdminFactory()).post(
        "/api/v1/activities/", activity_body(kind="outreach", place=""), format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "普法活动须填写地点。", "code": "invalid", "field": "place"}


def test_staff_may_not_record_activities_or_attendees():
    activity = StudyActivityFactory()
    person = UserFactory()
    client = token_client(person)
    assert client.post("/api/v1/activities/", activity_body(), format="json").status_code == 403
    assert client.post(
        f"/api/v1/activities/{activity.pk}/attendees/", {"people": [person.pk]}, format="json"
    ).status_code in (403, 404)
    assert ActivityAttendance.objects.count() == 0


def test_sign_in_by_code_records_once_then_answers_200_and_409_after_the_deadline():
    admin, person = AdminFactory(), UserFactory()
    activity = StudyActivityFactory(hours=Decimal("1.0"), title="五月会前学法")
    with time_machine.travel(T0, tick=False) as traveller:
        opened = token_client(admin).post(
            f"/api/v1/activities/{activity.pk}/sign-in/", {"minutes": 20}, format="json"
        )
        assert opened.status_code == 201
        code, token = opened.json()["code"], opened.json()["token"]
        assert opened.json()["url"] == f"http://testserver/courses/sign-in/{token}/"
        client = token_client(person)
        first = client.post("/api/v1/activity-sign-ins/", {"code": code}, format="json")
        assert first.status_code == 201
        assert first.json() == {
            "activity": activity.pk,
            "title": "五月会前学法",
            "created": True,
            "hours": "1.0",
        }
        again = client.post("/api/v1/activity-sign-ins/", {"token": token}, format="json")
        assert (again.status_code, again.json()["created"]) == (200, False)
        traveller.shift(timedelta(minutes=20))
        late = token_client(UserFactory()).post("/api/v1/activity-sign-ins/", {"token": token}, format="json")
        assert late.status_code == 409
        assert late.json() == {"detail": "签到已截止。", "code": "sign_in_closed"}
        by_code = token_client(UserFactory()).post(
            "/api/v1/activity-sign-ins/", {"code": code}, format="json"
        )
        assert by_code.status_code == 404
    assert list(activity.attendees.all()) == [person]


def another_code(code):
    return "000000" if code != "000000" else "111111"


def test_the_eleventh_code_in_a_minute_is_429_even_the_right_one_and_credits_nothing():
    activity = StudyActivityFactory(hours=Decimal("1.0"))
    guesser, colleague = UserFactory(), UserFactory()
    client = token_client(guesser)
    with time_machine.travel(T0, tick=False) as traveller:
        sign_in = activity_sign_in_open(activity=activity, actor=None, now=T0, minutes=30)
        wrong = [
            client.post("/api/v1/activity-sign-ins/", {"code": another_code(sign_in.code)}, format="json")
            for _ in range(10)
        ]
        refused = client.post("/api/v1/activity-sign-ins/", {"code": sign_in.code}, format="json")

        assert [response.status_code for response in wrong] == [404] * 10
        assert refused.status_code == 429
        assert refused.json() == {"detail": THROTTLED_60, "code": "throttled"}
        assert ActivityAttendance.objects.count() == 0
        assert StudyHoursEntry.objects.count() == 0
        # The count is the guesser's own: a colleague signs in meanwhile.
        colleague_in = token_client(colleague).post(
            "/api/v1/activity-sign-ins/", {"code": sign_in.code}, format="json"
        )
        assert colleague_in.status_code == 201

        traveller.shift(timedelta(seconds=61))
        later = client.post("/api/v1/activity-sign-ins/", {"code": sign_in.code}, format="json")
    assert later.status_code == 201
    assert sorted(activity.attendees.values_list("pk", flat=True)) == sorted([guesser.pk, colleague.pk])


def test_only_admins_open_a_sign_in():
    activity = StudyActivityFactory()
    person = UserFactory()
    activity_attendees_add(activity=activity, people=[person], actor=None)
    response = token_client(person).post(f"/api/v1/activities/{activity.pk}/sign-in/", {}, format="json")
    assert response.status_code == 403
    assert activity.sign_ins.count() == 0


def test_sign_in_with_an_unknown_token_is_404():
    activity_sign_in_open(activity=StudyActivityFactory(), actor=None, now=T0)
    response = token_client(UserFactory()).post(
        "/api/v1/activity-sign-ins/", {"token": "nope"}, format="json"
    )
    assert response.status_code == 404


def test_pre_meeting_check_api_lists_months_held_and_missing_for_admins_and_leaders_only():
    StudyActivityFactory(
        held_on=date(2026, 1, 9),
        meeting="1月党组会",
        speaker="王科长",
        speaker_title="政策法规科科长",
        topic="宪法",
    )
    StudyActivityFactory(held_on=date(2026, 3, 9))
    with time_machine.travel(datetime(2026, 3, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        response = token_client(AdminFactory()).get("/api/v1/pre-meeting-check/?year=2026")
        leader = token_client(LeaderFactory(leader_of=[DepartmentFactory()])).get(
            "/api/v1/pre-meeting-check/"
        )
        staff = token_client(UserFactory()).get("/api/v1/pre-meeting-check/")
    body = response.json()
    assert (body["year"], body["months_held"], body["months_missing"]) == (2026, 2, [2])
    assert body["months"][0] == {
        "month": 1,
        "state": "held",
        "held": True,
        "activities": [
            {
                "id": body["months"][0]["activities"][0]["id"],
                "held_on": "2026-01-09",
                "meeting": "1月党组会",
                "speaker": "王科长",
                "speaker_title": "政策法规科科长",
                "topic": "宪法",
            }
        ],
    }
    assert [month["state"] for month in body["months"][1:4]] == ["missing", "held", "future"]
    assert leader.status_code == 200
    assert staff.status_code == 403


def test_the_schema_documents_every_courses_endpoint():
    response = token_client(AdminFactory()).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    for path in [
        "/api/v1/courses/",
        "/api/v1/courses/{id}/",
        "/api/v1/courses/{id}/completion/",
        "/api/v1/lessons/{id}/",
        "/api/v1/lessons/{id}/heartbeat/",
        "/api/v1/lessons/{id}/complete/",
        "/api/v1/study-plans/",
        "/api/v1/study-plans/{id}/",
        "/api/v1/my-plan/",
        "/api/v1/my-study-hours/",
        "/api/v1/study-hours/",
        "/api/v1/study-hours/{id}/",
        "/api/v1/activities/",
        "/api/v1/activities/{id}/",
        "/api/v1/activities/{id}/attendees/",
        "/api/v1/activities/{id}/attendees/{person_id}/",
        "/api/v1/activities/{id}/sign-in/",
        "/api/v1/activity-sign-ins/",
        "/api/v1/pre-meeting-check/",
    ]:
        assert path in paths, path
    assert "409" in paths["/api/v1/lessons/{id}/complete/"]["post"]["responses"]
    assert "400" in paths["/api/v1/study-plans/"]["post"]["responses"]


def test_the_schema_says_the_pre_meeting_check_is_bureau_level_and_for_admins_and_leaders():
    response = token_client(AdminFactory()).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    operation = json.loads(response.content)["paths"]["/api/v1/pre-meeting-check/"]["get"]
    assert operation["description"] == (
        'The bureau\'s rule "at least one 会前学法 every month": per month whether it was held, and who spoke.\n'
        "\n"
        "Bureau-level: every 会前学法 of the bureau counts, whichever department organised it, and\n"
        "every leader sees the same answer as an administrator, not one limited to their subtrees.\n"
        "For exam administrators and leaders only."
    )
    assert operation["responses"]["403"]["description"] == "Neither an exam administrator nor a leader."


def test_the_schema_says_every_plan_must_require_a_constitution_course():
    response = token_client(AdminFactory()).get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    operation = json.loads(response.content)["paths"]["/api/v1/study-plans/"]["post"]
    assert operation["description"] == (
        "Annual study plans. Administrators write them; everyone reads the plans that apply to them.\n\n"
        "Every plan must require a Constitution course (`code`: `constitution_required`)."
    )


def test_activities_filter_by_kind_and_year():
    lecture = StudyActivityFactory(kind="lecture", meeting="", held_on=date(2026, 3, 1))
    StudyActivityFactory(held_on=date(2026, 3, 2))
    StudyActivityFactory(kind="lecture", meeting="", held_on=date(2025, 3, 1))
    client = token_client(AdminFactory())
    body = client.get("/api/v1/activities/?kind=lecture&held_on__year=2026").json()
    assert [row["id"] for row in body["results"]] == [lecture.pk]


def test_malformed_input_is_refused_with_400_or_404_never_500():
    admin = AdminFactory()
    client = token_client(admin)
    assert client.get("/api/v1/activities/?held_on__year=0").status_code == 400
    assert client.get("/api/v1/activities/?held_on__year=-41000000000000000").status_code == 400
    assert client.get("/api/v1/lessons/null%2Cnull/").status_code == 404
    assert client.get("/api/v1/study-hours/null%2Cnull/").status_code == 404
    created = client.post(
        "/api/v1/activities/", {"kind": "pre_meeting", "title": "x", "held_on": "2026-01-05"}, format="json"
    )
    assert created.status_code == 400
    assert created.json()["field"] == "hours"
    assert StudyActivity.objects.count() == 0


def test_a_plan_patch_whose_body_is_not_an_object_is_refused():
    admin = AdminFactory()
    plan = StudyPlanFactory()
    response = token_client(admin).patch(f"/api/v1/study-plans/{plan.id}/", 915774919373, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "请求体应为 JSON 对象。"
