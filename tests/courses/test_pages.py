from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import segno
import time_machine
from django.contrib.admin import site as admin_site
from django.urls import reverse

from courses.forms import ActivityForm
from courses.models import ActivityAttendance, StudyActivity, StudyHoursEntry, StudyPlan
from courses.services import activity_attendees_add, activity_sign_in_open, course_complete
from tests.conftest import token_client
from tests.factories import (
    AdminFactory,
    ConstitutionCourseFactory,
    CourseFactory,
    DepartmentFactory,
    LessonFactory,
    StudyActivityFactory,
    StudyPlanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 15, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def logged_in(client, user):
    client.force_login(user)
    return client


def test_catalogue_shows_published_courses_with_progress(client):
    course = CourseFactory(title="民法典总则")
    LessonFactory.create_batch(2, course=course)
    CourseFactory(title="草稿课程", is_published=False)
    page = logged_in(client, UserFactory()).get(reverse("courses:catalogue")).content.decode()
    assert "民法典总则" in page
    assert "已学完 0/2 章" in page
    assert "草稿课程" not in page


def test_lesson_page_renders_the_body_safely_and_wires_the_heartbeat(client):
    lesson = LessonFactory(
        title="总纲", body="> 第一条 条文\n\n<img src=x onerror=alert(1)>", min_study_seconds=90
    )
    page = logged_in(client, UserFactory()).get(reverse("courses:lesson", args=[lesson.pk])).content.decode()
    assert '<span class="article-no">第一条</span>' in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<img src=x" not in page
    assert f'data-heartbeat-url="/api/v1/lessons/{lesson.pk}/heartbeat/"' in page
    # 44 characters read in 9 s at 300 a minute; a lesson needs at least 15 s, at most the editor's 90.
    assert 'data-min-seconds="15"' in page
    assert "本章约 44 字，按每分钟 300 字计算，至少需要学习 15 秒。" in page
    assert 'data-interval="15"' in page


def test_my_study_page_shows_plan_hours_and_ledger(client):
    person = UserFactory()
    constitution = ConstitutionCourseFactory(title="宪法", study_hours=Decimal("2"))
    LessonFactory(course=constitution)
    StudyPlanFactory(year=2026, required_hours=Decimal("10"), courses=[constitution])
    course_complete(course=constitution, user=person, now=NOW)
    activity = StudyActivityFactory(
        title="四月党组会会前学法", held_on=date(2026, 4, 2), hours=Decimal("1.5")
    )
    activity_attendees_add(activity=activity, people=[person], actor=None)

    page = logged_in(client, person).get(reverse("courses:my_study") + "?year=2026").content.decode()

    assert '<span class="figure" id="hours-earned">3.5</span>' in page
    assert "/ 10.0 学时" in page
    assert '<span class="tag">会前学法</span>四月党组会会前学法' in page
    assert '<span class="tag">课程学习</span>宪法' in page
    assert "会前学法：" not in page
    assert "已学完" in page


@pytest.mark.parametrize(
    "name",
    ["courses:activity_list", "courses:activity_create"],
)
def test_activity_pages_are_for_administrators(client, name):
    response = logged_in(client, UserFactory()).get(reverse(name))
    assert response.status_code == 403


def test_the_activity_form_marks_each_kinds_fields_for_the_page_to_show_only_those(client):
    page = logged_in(client, AdminFactory()).get(reverse("courses:activity_create")).content.decode()

    assert 'name="meeting" maxlength="200" data-kinds="pre_meeting"' in page
    assert 'name="speaker" maxlength="100" data-kinds="pre_meeting lecture"' in page
    assert 'name="audience" maxlength="200" data-kinds="outreach"' in page
    assert 'name="people_reached" min="0" data-kinds="outreach"' in page
    assert 'name="title" maxlength="200" required' in page
    assert "data-kinds" not in page.split('name="title"')[1].split(">")[0]
    assert "/static/courses/activity_form.js" in page


def test_pre_meeting_check_page_is_404_for_staff(client):
    assert logged_in(client, UserFactory()).get(reverse("courses:pre_meeting_check")).status_code == 404


def test_admin_records_an_activity_on_the_form_and_bulk_enters_a_department(client):
    division = DepartmentFactory(name="城建监察支队")
    people = UserFactory.create_batch(2, department=division)
    admin = AdminFactory()
    logged_in(client, admin)
    response = client.post(
        reverse("courses:activity_create"),
        {
            "kind": "outreach",
            "title": "民法典进工地",
            "held_on": "2026-05-18",
            "place": "滨江花园项目工地",
            "audience": "施工企业管理人员和工人",
            "materials": "《民法典》宣传册 300 份",
            "people_reached": "260",
            "hours": "1.0",
        },
    )
    activity = StudyActivity.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:activity_detail", args=[activity.pk])
    assert (activity.people_reached, activity.created_by) == (260, admin)

    added = client.post(
        reverse("courses:activity_attendees_add", args=[activity.pk]),
        {"attendees-departments": [division.pk]},
    )
    assert added.status_code == 302
    assert set(activity.attendees.all()) == set(people)
    assert StudyHoursEntry.objects.filter(activity=activity).count() == 2


def test_the_form_shows_the_rule_a_kind_needs_and_saves_nothing(client):
    logged_in(client, AdminFactory())
    response = client.post(
        reverse("courses:activity_create"),
        {
            "kind": "pre_meeting",
            "title": "会前学法",
            "held_on": "2026-05-18",
            "hours": "1",
            "speaker": "王科长",
        },
    )
    assert response.status_code == 200
    assert "会前学法须填写会议。" in response.content.decode()
    assert StudyActivity.objects.count() == 0


def test_unknown_employee_numbers_are_named_and_nobody_is_added(client):
    activity = StudyActivityFactory()
    UserFactory(employee_no="D0001")
    logged_in(client, AdminFactory())
    response = client.post(
        reverse("courses:activity_attendees_add", args=[activity.pk]),
        {"attendees-employee_nos": "D0001，D9999"},
    )
    assert response.status_code == 200
    assert "没有这些工号：D9999" in response.content.decode()
    assert ActivityAttendance.objects.count() == 0


def test_qr_sign_in_page_records_the_staff_member_once(client):
    admin, person = AdminFactory(), UserFactory(name="李娜")
    activity = StudyActivityFactory(hours=Decimal("1.0"))
    logged_in(client, admin)
    opened = client.post(reverse("courses:activity_sign_in_open", args=[activity.pk]), {"minutes": "30"})
    sign_in = activity.sign_ins.get()
    assert opened["Location"] == reverse("courses:sign_in_sheet", args=[sign_in.pk])
    sheet = client.get(opened["Location"]).content.decode()
    assert f'<p class="sign-in-code" id="sign-in-code">{sign_in.code}</p>' in sheet
    assert f"http://testserver/courses/sign-in/{sign_in.token}/" in sheet
    # The QR code on the screen is the code of exactly that link.
    qr = segno.make(f"http://testserver/courses/sign-in/{sign_in.token}/", error="m")
    assert (
        qr.svg_inline(scale=8, border=2, title=f"http://testserver/courses/sign-in/{sign_in.token}/") in sheet
    )
    assert '<figure class="sign-in-qr" id="sign-in-qr"><svg' in sheet

    logged_in(client, person)
    url = reverse("courses:sign_in", args=[sign_in.token])
    page = client.get(url).content.decode()
    assert "李娜，确认签到" in page
    assert ActivityAttendance.objects.count() == 0  # opening the link alone signs nobody in
    client.post(url)
    client.post(url)
    assert list(activity.attendees.all()) == [person]
    assert "你已签到，本次活动记 1.0 学时。" in client.get(url).content.decode()


def test_sign_in_by_typing_the_code_leads_to_the_sign_in_page(client):
    activity = StudyActivityFactory()
    sign_in = activity_sign_in_open(activity=activity, actor=None, now=datetime.now(tz=ZoneInfo("UTC")))
    logged_in(client, UserFactory())
    response = client.post(reverse("courses:sign_in_code"), {"code": sign_in.code})
    assert response["Location"] == reverse("courses:sign_in", args=[sign_in.token])
    wrong = client.post(
        reverse("courses:sign_in_code"), {"code": "000000" if sign_in.code != "000000" else "111111"}
    )
    assert "签到码不正确或签到已截止。" in wrong.content.decode()


def another_code(code):
    return "000000" if code != "000000" else "111111"


def test_the_eleventh_code_in_a_minute_on_the_page_is_refused_even_the_right_one(client):
    sign_in = activity_sign_in_open(activity=StudyActivityFactory(), actor=None, now=NOW, minutes=30)
    logged_in(client, UserFactory())
    page = reverse("courses:sign_in_code")
    with time_machine.travel(NOW, tick=False) as traveller:
        wrong = [client.post(page, {"code": another_code(sign_in.code)}) for _ in range(10)]
        refused = client.post(page, {"code": sign_in.code})

        assert [response.status_code for response in wrong] == [200] * 10
        assert all("签到码不正确或签到已截止。" in response.content.decode() for response in wrong)
        assert refused.status_code == 429
        assert "Location" not in refused
        assert "签到码尝试次数过多，请 60 秒后再试。" in refused.content.decode()
        assert sign_in.token not in refused.content.decode()

        traveller.shift(timedelta(seconds=61))
        later = client.post(page, {"code": sign_in.code})
    assert later["Location"] == reverse("courses:sign_in", args=[sign_in.token])
    assert ActivityAttendance.objects.count() == 0


def test_tries_through_the_api_and_on_the_page_count_against_one_limit(client):
    sign_in = activity_sign_in_open(activity=StudyActivityFactory(), actor=None, now=NOW, minutes=30)
    person = UserFactory()
    logged_in(client, person)
    api = token_client(person)
    with time_machine.travel(NOW, tick=False):
        for _ in range(6):
            api.post("/api/v1/activity-sign-ins/", {"code": another_code(sign_in.code)}, format="json")
        on_the_page = [
            client.post(reverse("courses:sign_in_code"), {"code": another_code(sign_in.code)}).status_code
            for _ in range(5)
        ]
        through_the_api = api.post("/api/v1/activity-sign-ins/", {"code": sign_in.code}, format="json")
    assert on_the_page == [200, 200, 200, 200, 429]
    assert through_the_api.status_code == 429
    assert ActivityAttendance.objects.count() == 0


def test_an_expired_sign_in_page_says_so_and_records_nobody(client):
    activity = StudyActivityFactory()
    with time_machine.travel(NOW, tick=False) as traveller:
        sign_in = activity_sign_in_open(activity=activity, actor=None, now=NOW, minutes=10)
        traveller.shift(timedelta(minutes=11))
        logged_in(client, UserFactory())
        client.post(reverse("courses:sign_in", args=[sign_in.token]))
        page = client.get(reverse("courses:sign_in", args=[sign_in.token])).content.decode()
    assert "签到已截止。" in page
    assert ActivityAttendance.objects.count() == 0


def test_pre_meeting_check_page_shows_the_months_without_one(client):
    for month in (1, 2, 4):
        StudyActivityFactory(held_on=date(2026, month, 6), speaker=f"{month}月主讲人")
    with time_machine.travel(datetime(2026, 5, 20, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        page = logged_in(client, AdminFactory()).get(reverse("courses:pre_meeting_check")).content.decode()
    assert '<span class="error" id="missing-summary">未开展：3 月</span>' in page
    assert 'data-month="5" data-state="open"' in page
    assert "4月主讲人" in page


def test_home_page_lists_unfinished_required_courses_and_the_nav_links(client):
    person = UserFactory()
    constitution = ConstitutionCourseFactory(title="宪法学习")
    LessonFactory.create_batch(3, course=constitution)
    StudyPlanFactory(courses=[constitution])
    page = logged_in(client, person).get("/").content.decode()
    assert "学习《宪法学习》" in page
    assert "年度学法计划必修课程，已学完 0/3 章" in page
    assert '<a href="/courses/">课程</a>' in page
    assert '<a href="/courses/my/">我的学时</a>' in page
    assert "学法活动" not in page
    admin_page = logged_in(client, AdminFactory()).get("/").content.decode()
    assert '<a href="/courses/activities/">学法活动</a>' in admin_page
    assert '<a href="/courses/pre-meeting-check/">会前学法检查</a>' in admin_page


def test_home_page_shows_an_overdue_required_course_as_overdue(client):
    person = UserFactory()
    late = ConstitutionCourseFactory(title="宪法学习")
    LessonFactory(course=late)
    on_time = CourseFactory(title="民法典学习")
    LessonFactory(course=on_time)
    plan = StudyPlanFactory(year=2026, courses=[late, on_time])
    plan.entries.filter(course=late).update(due_on=date(2026, 3, 31))
    plan.entries.filter(course=on_time).update(due_on=date(2026, 6, 30))

    with time_machine.travel(datetime(2026, 4, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))):
        page = logged_in(client, person).get("/").content.decode()

    assert (
        f'<li class="urgent"><span class="badge">已逾期</span><a href="/courses/{late.pk}/">'
        "<strong>学习《宪法学习》</strong></a>"
    ) in page
    assert "应于 2026-03-31 前完成，已逾期 10 天，请尽快学完" in page
    assert f'<li class=""><a href="/courses/{on_time.pk}/"><strong>学习《民法典学习》</strong></a>' in page
    assert "2026-06-30 前完成" in page


def admin_plan_form(course, *, due_on=""):
    """The admin's add form for a 2026 plan requiring one course."""
    return {
        "year": "2026",
        "title": "2026年度学法计划",
        "required_hours": "20",
        "entries-TOTAL_FORMS": "1",
        "entries-INITIAL_FORMS": "0",
        "entries-MIN_NUM_FORMS": "0",
        "entries-MAX_NUM_FORMS": "1000",
        "entries-0-course": str(course.pk),
        "entries-0-required": "on",
        "entries-0-due_on": due_on,
    }


def test_admin_refuses_a_plan_without_the_constitution(admin_client):
    civil = CourseFactory()
    response = admin_client.post("/admin/courses/studyplan/add/", admin_plan_form(civil))
    assert response.status_code == 200
    assert "年度学法计划的必修课程中必须有宪法课程" in response.content.decode()
    assert StudyPlan.objects.count() == 0


def test_admin_saves_a_plan_with_the_constitution_through_the_service(admin_client):
    constitution = ConstitutionCourseFactory()
    response = admin_client.post(
        "/admin/courses/studyplan/add/", admin_plan_form(constitution, due_on="2026-12-04")
    )
    assert response.status_code == 302
    plan = StudyPlan.objects.get()
    assert list(plan.entries.values_list("course_id", "required", "due_on")) == [
        (constitution.pk, True, date(2026, 12, 4))
    ]


def test_admin_edits_an_activity_on_its_page_and_the_attendees_hours_follow(client):
    person = UserFactory()
    activity = StudyActivityFactory(hours=Decimal("1.0"), held_on=date(2026, 5, 6))
    activity_attendees_add(activity=activity, people=[person], actor=None)
    logged_in(client, AdminFactory())
    page = client.get(reverse("courses:activity_detail", args=[activity.pk])).content.decode()
    assert 'name="activity-hours"' in page
    response = client.post(
        reverse("courses:activity_detail", args=[activity.pk]),
        {
            "activity-kind": "pre_meeting",
            "activity-title": activity.title,
            "activity-held_on": "2026-05-06",
            "activity-meeting": activity.meeting,
            "activity-speaker": activity.speaker,
            "activity-topic": activity.topic,
            "activity-hours": "1.5",
        },
    )
    assert response.status_code == 302
    assert StudyHoursEntry.objects.get(person=person).hours == Decimal("1.5")


def test_the_admin_edits_activities_with_the_page_s_form():
    form = admin_site._registry[StudyActivity].form
    assert issubclass(form, ActivityForm)
    assert list(form.base_fields) == list(ActivityForm.base_fields)


ADMIN_LECTURE = {
    "kind": "lecture",
    "title": "法治讲堂：行政处罚法",
    "held_on": "2026-05-06",
    "meeting": "",
    "speaker": "何立群",
    "speaker_title": "",
    "law_area": "",
    "topic": "行政处罚法",
    "place": "",
    "audience": "",
    "materials": "",
    "people_reached": "",
    "hours": "2.0",
    "department": "",
    "attendance-TOTAL_FORMS": "0",
    "attendance-INITIAL_FORMS": "0",
    "attendance-MIN_NUM_FORMS": "0",
    "attendance-MAX_NUM_FORMS": "1000",
}


def test_admin_refuses_an_activity_missing_what_its_kind_needs_and_saves_nothing(admin_client):
    response = admin_client.post("/admin/courses/studyactivity/add/", {**ADMIN_LECTURE, "speaker": ""})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {"speaker": ["法治讲堂须填写主讲人。"]}
    assert StudyActivity.objects.count() == 0


def test_admin_records_an_activity_through_the_service(admin_client, admin_user):
    response = admin_client.post("/admin/courses/studyactivity/add/", ADMIN_LECTURE)
    assert response.status_code == 302
    activity = StudyActivity.objects.get()
    assert (activity.kind, activity.title, activity.held_on, activity.hours, activity.created_by) == (
        "lecture",
        "法治讲堂：行政处罚法",
        date(2026, 5, 6),
        Decimal("2.0"),
        admin_user,
    )
