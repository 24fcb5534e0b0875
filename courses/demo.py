"""Demo courses, this year's plans and a year of study activities for the demo bureau.

Four courses written from the articles they quote (see ``demo_content``), the Constitution course
ending with a required quiz (a practice exam drawn from the exams demo's bank, kept out of the
practice list); a plan for everyone with the Constitution required, and one for 城建监察支队 that
adds 行政处罚法; the twelve months up to this one, each with its 会前学法 but one (so the monthly
check shows a gap), four 法治讲堂 and three 普法活动, with attendees from the demo roster. Running
it again changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from exams.models import Exam, ExamKind, Question, QuestionKind, ReviewPolicy
from exams.services import RuleIn, exam_create
from people.models import Department, User

from .demo_content import COURSES
from .models import ActivityKind, Course, LawArea, Lesson, LessonProgress, StudyActivity, StudyPlan
from .services import (
    ActivityIn,
    PlanCourseIn,
    activity_attendees_add,
    activity_create,
    course_complete,
    study_plan_save,
)

BUREAU = "市住房和城乡建设局"
# Division heads who lecture before the Party-group meeting, in turn.
PRE_MEETING_SPEAKERS = [
    ("李明", "城建监察支队支队长"),
    ("周静", "政策法规科科长"),
    ("陈强", "办公室主任"),
    ("赵丽", "建筑业管理处处长"),
    ("孙涛", "质量安全科科长"),
]
PRE_MEETING_LAWS = [
    (LawArea.CONSTITUTION, "《中华人民共和国宪法》第一条至第五条"),
    (LawArea.CIVIL_CODE, "《中华人民共和国民法典》总则编基本规定"),
    (LawArea.ADMINISTRATIVE_PENALTY, "《中华人民共和国行政处罚法》第四十二条至第四十五条"),
    (LawArea.INFORMATION_DISCLOSURE, "《中华人民共和国政府信息公开条例》主动公开"),
    (LawArea.ADMINISTRATIVE_LICENSING, "《中华人民共和国行政许可法》第三十条至第三十四条"),
    (LawArea.ADMINISTRATIVE_COERCION, "《中华人民共和国行政强制法》查封扣押程序"),
    (LawArea.OTHER, "《建设工程质量管理条例》"),
    (LawArea.OTHER, "《中华人民共和国安全生产法》"),
    (LawArea.ADMINISTRATIVE_RECONSIDERATION, "《中华人民共和国行政复议法》（2023年修订）"),
    (LawArea.ADMINISTRATIVE_LITIGATION, "《中华人民共和国行政诉讼法》"),
    (LawArea.CIVIL_CODE, "《中华人民共和国民法典》物权编业主的建筑物区分所有权"),
    (LawArea.CONSTITUTION, "《中华人民共和国宪法》第三十三条至第四十一条"),
]
# Months before this one without a 会前学法: the gap the monthly check shows.
GAP_MONTHS_AGO = 3


def _months_back(today: date, count: int) -> list[date]:
    """The first days of the ``count`` months up to and including this one, oldest first."""
    months = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _seed_courses() -> dict[str, Course]:
    courses: dict[str, Course] = {}
    for position, spec in enumerate(COURSES, start=1):
        course, _created = Course.objects.update_or_create(
            title=spec["title"],
            defaults={
                "law_area": spec["law_area"],
                "description": spec["description"],
                "study_hours": spec["study_hours"],
                "position": position,
                "is_published": True,
            },
        )
        for number, lesson in enumerate(spec["lessons"], start=1):
            Lesson.objects.update_or_create(
                course=course,
                position=number,
                defaults={
                    "title": lesson["title"],
                    "body": lesson["body"],
                    "articles": lesson["articles"],
                    "min_study_seconds": lesson["min_study_seconds"],
                },
            )
        courses[str(spec["law_area"])] = course
    return courses


QUIZ_TITLE = "宪法课程结课测验"


def _seed_quiz(course: Course) -> None:
    """A short practice exam on the Constitution, required to complete the Constitution course.

    It is started from the course, so it stays out of the practice list.
    """
    if course.quiz_id is not None:
        return
    rules = [
        RuleIn(kind=QuestionKind.SINGLE, category=LawArea.CONSTITUTION, count=6, points=10),
        RuleIn(kind=QuestionKind.JUDGE, category=LawArea.CONSTITUTION, count=4, points=10),
    ]
    bank = Question.objects.filter(category=LawArea.CONSTITUTION, is_active=True)
    if any(bank.filter(kind=rule.kind).count() < rule.count for rule in rules):
        return  # without the exams demo's bank the quiz could not be drawn
    quiz = Exam.objects.filter(title=QUIZ_TITLE, kind=ExamKind.PRACTICE).first() or exam_create(
        title=QUIZ_TITLE,
        kind=ExamKind.PRACTICE,
        duration_minutes=15,
        pass_score=60,
        review_policy=ReviewPolicy.AFTER_SUBMIT,
        listed_in_practice=False,
        rules=rules,
    )
    course.quiz, course.quiz_required = quiz, True
    course.save(update_fields=["quiz", "quiz_required"])


def _department(*names: str) -> Department | None:
    department = None
    for name in names:
        department = Department.objects.filter(parent=department, name=name).first()
        if department is None:
            return None
    return department


def _seed_plans(year: int, courses: dict[str, Course]) -> None:
    def save(title: str, hours: str, departments: list[Department], entries: list[PlanCourseIn]) -> None:
        plan = StudyPlan.objects.filter(year=year, title=title).first()
        study_plan_save(
            plan=plan,
            year=year,
            title=title,
            required_hours=Decimal(hours),
            departments=departments,
            courses=entries,
        )

    constitution = courses[LawArea.CONSTITUTION]
    civil = courses[LawArea.CIVIL_CODE]
    disclosure = courses[LawArea.INFORMATION_DISCLOSURE]
    penalty = courses[LawArea.ADMINISTRATIVE_PENALTY]
    save(
        f"{year}年度学法计划",
        "12",
        [],
        [
            PlanCourseIn(course=constitution, due_on=date(year, 12, 4)),
            PlanCourseIn(course=civil, due_on=date(year, 6, 30)),
            PlanCourseIn(course=disclosure, due_on=date(year, 9, 30)),
            PlanCourseIn(course=penalty, required=False),
        ],
    )
    enforcement = _department(BUREAU, "城建监察支队")
    if enforcement is not None:
        save(
            f"{year}年度城建监察支队执法人员学法计划",
            "16",
            [enforcement],
            [
                PlanCourseIn(course=constitution, due_on=date(year, 12, 4)),
                PlanCourseIn(course=penalty, due_on=date(year, 10, 31)),
            ],
        )


def _activity(data: ActivityIn, admin: User | None) -> StudyActivity:
    existing = StudyActivity.objects.filter(kind=data.kind, held_on=data.held_on, title=data.title).first()
    return existing or activity_create(data=data, actor=admin)


def _seed_activities(today: date, now: datetime) -> None:
    admin = User.objects.filter(username="admin").first()
    bureau = _department(BUREAU)
    if bureau is None:
        return
    party_group = list(
        User.objects.filter(username__in=["leader", "admin"])
        | User.objects.filter(department__name__in=["办公室", "政策法规科"], department__parent=bureau)
    )
    enforcement = _department(BUREAU, "城建监察支队")
    quality = _department(BUREAU, "建筑业管理处", "质量安全科")
    months = _months_back(today, 12)
    for index, first in enumerate(months):
        if index == len(months) - 1 - GAP_MONTHS_AGO:
            continue
        held_on = min(first + timedelta(days=5), today)
        speaker, title = PRE_MEETING_SPEAKERS[index % len(PRE_MEETING_SPEAKERS)]
        law_area, law = PRE_MEETING_LAWS[first.month - 1]
        activity = _activity(
            ActivityIn(
                kind=ActivityKind.PRE_MEETING,
                title=f"{first.year}年{first.month}月党组会会前学法",
                held_on=held_on,
                hours=Decimal("1.0"),
                meeting=f"{first.year}年{first.month}月局党组会",
                speaker=speaker,
                speaker_title=title,
                law_area=law_area,
                topic=law,
                place="局三楼会议室",
                department=bureau,
            ),
            admin,
        )
        activity_attendees_add(activity=activity, people=party_group, actor=admin)

    lectures = [
        (
            2,
            "民法典与建设工程合同纠纷",
            "王海燕",
            "北方律师事务所律师",
            LawArea.CIVIL_CODE,
            "民法典合同编·建设工程合同",
        ),
        (
            5,
            "政府信息公开申请办理实务",
            "刘建平",
            "市司法局行政复议科科长",
            LawArea.INFORMATION_DISCLOSURE,
            "政府信息公开条例",
        ),
        (
            8,
            "行政处罚法修订要点",
            "郑晓东",
            "正衡律师事务所律师",
            LawArea.ADMINISTRATIVE_PENALTY,
            "行政处罚法（2021年修订）",
        ),
        (11, "宪法与依法行政", "何立群", "市委党校法学教研室教授", LawArea.CONSTITUTION, "宪法"),
    ]
    for months_ago, title, speaker, speaker_title, law_area, topic in lectures:
        held_on = min(months[-1 - months_ago] + timedelta(days=19), today)
        activity = _activity(
            ActivityIn(
                kind=ActivityKind.LECTURE,
                title=title,
                held_on=held_on,
                hours=Decimal("2.0"),
                speaker=speaker,
                speaker_title=speaker_title,
                law_area=law_area,
                topic=topic,
                place="局一楼报告厅",
                department=bureau,
            ),
            admin,
        )
        activity_attendees_add(activity=activity, departments=[bureau], actor=admin)

    outreach = [
        (
            6,
            "民法典进工地",
            "滨江花园项目施工现场",
            "施工企业管理人员和一线工人",
            "《民法典》宣传册 300 份，农民工工资支付宣传折页 200 份",
            260,
            enforcement,
        ),
        (
            4,
            "安全生产月进工地宣传",
            "高新区创业园三期工地",
            "建筑施工企业从业人员",
            "《安全生产法》挂图 50 张，宣传手册 400 份",
            380,
            quality,
        ),
        (
            1,
            "宪法进社区",
            "幸福里小区",
            "小区居民和物业服务人员",
            "宪法读本 150 册，《民法典》物业服务合同解读 300 份",
            210,
            enforcement,
        ),
    ]
    for months_ago, title, place, audience, materials, reached, department in outreach:
        held_on = min(months[-1 - months_ago] + timedelta(days=14), today)
        activity = _activity(
            ActivityIn(
                kind=ActivityKind.OUTREACH,
                title=title,
                held_on=held_on,
                hours=Decimal("1.0"),
                place=place,
                audience=audience,
                materials=materials,
                people_reached=reached,
                law_area=LawArea.CIVIL_CODE if "民法典" in title else LawArea.OTHER,
                topic=title,
                department=department,
            ),
            admin,
        )
        if department is not None:
            activity_attendees_add(activity=activity, departments=[department], actor=admin)


def _seed_progress(courses: dict[str, Course], now: datetime) -> None:
    """Some of the roster has finished the Constitution course, so plans and reports have figures."""
    constitution = courses[LawArea.CONSTITUTION]
    lessons = list(constitution.lessons.all())
    readers = list(User.objects.filter(username__startswith="staff").order_by("username")[:24])
    LessonProgress.objects.bulk_create(
        [
            LessonProgress(
                user=reader,
                lesson=lesson,
                seconds_spent=lesson.min_study_seconds + 60,
                started_at=now - timedelta(days=30),
                last_heartbeat_at=now - timedelta(days=30),
                end_reached_at=now - timedelta(days=30),
                completed_at=now - timedelta(days=30),
            )
            for reader in readers
            for lesson in lessons
        ],
        ignore_conflicts=True,
    )
    for reader in readers:
        course_complete(course=constitution, user=reader, now=now - timedelta(days=30))


@transaction.atomic
def seed(*, now: datetime | None = None) -> None:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    courses = _seed_courses()
    _seed_quiz(courses[LawArea.CONSTITUTION])
    _seed_plans(today.year, courses)
    _seed_activities(today, now)
    _seed_progress(courses, now)
