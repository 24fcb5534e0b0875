from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from common.errors import ValidationFailed
from people.api.serializers import DepartmentRefSerializer
from people.models import Department, User

from ..models import (
    ActivityAttendance,
    ActivityKind,
    ActivitySignIn,
    Course,
    Lesson,
    LessonProgress,
    StudyActivity,
    StudyHoursEntry,
    StudyPlan,
)
from ..reading import lesson_required_seconds
from ..richtext import render_lesson_body
from ..selectors import CourseProgress
from ..services import ACTIVITY_FIELDS

HOURS = {"max_digits": 6, "decimal_places": 1}

# ---------------------------------------------------------------- courses


class CourseProgressSerializer(serializers.Serializer):
    lessons_total = serializers.IntegerField()
    lessons_completed = serializers.IntegerField()
    percent = serializers.IntegerField(help_text=_("学完的章节占比，0–100"))
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)
    quiz_required = serializers.BooleanField()
    quiz_passed = serializers.BooleanField(allow_null=True, help_text=_("没有结课测验时为 null"))
    awaiting_quiz = serializers.BooleanField(help_text=_("章节已全部学完，只差通过结课测验"))


class QuizRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CourseRefSerializer(serializers.ModelSerializer):
    law_area_display = serializers.CharField(source="get_law_area_display")

    class Meta:
        model = Course
        fields = ["id", "title", "law_area", "law_area_display", "study_hours"]


class CourseSerializer(serializers.ModelSerializer):
    law_area_display = serializers.CharField(source="get_law_area_display")
    lessons_total = serializers.IntegerField()
    cover = serializers.SerializerMethodField()
    quiz = serializers.SerializerMethodField()
    my_progress = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "id",
            "title",
            "law_area",
            "law_area_display",
            "description",
            "cover",
            "study_hours",
            "lessons_total",
            "quiz",
            "quiz_required",
            "my_progress",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover(self, course: Course) -> str | None:
        return course.cover.url if course.cover else None

    @extend_schema_field(QuizRefSerializer(allow_null=True, help_text=_("结课测验（一份练习卷）")))
    def get_quiz(self, course: Course) -> dict[str, Any] | None:
        if course.quiz is None:
            return None
        return {"id": course.quiz.pk, "title": course.quiz.title}

    @extend_schema_field(CourseProgressSerializer)
    def get_my_progress(self, course: Course) -> dict[str, Any]:
        progress: CourseProgress = self.context["progress"][course.pk]
        return CourseProgressSerializer(progress).data


class LessonProgressSerializer(serializers.Serializer):
    seconds_spent = serializers.IntegerField()
    end_reached = serializers.BooleanField()
    completed = serializers.BooleanField()
    completed_at = serializers.DateTimeField(allow_null=True)


def lesson_progress_data(progress: LessonProgress | None) -> dict[str, Any]:
    if progress is None:
        return {"seconds_spent": 0, "end_reached": False, "completed": False, "completed_at": None}
    return {
        "seconds_spent": progress.seconds_spent,
        "end_reached": progress.end_reached_at is not None,
        "completed": progress.completed_at is not None,
        "completed_at": serializers.DateTimeField().to_representation(progress.completed_at)
        if progress.completed_at
        else None,
    }


MIN_STUDY_HELP = _("本章需要的学习秒数：按正文长度和阅读速度计算，不超过课程设定的上限")


class LessonSummarySerializer(serializers.ModelSerializer):
    min_study_seconds = serializers.SerializerMethodField(help_text=MIN_STUDY_HELP)
    my_progress = serializers.SerializerMethodField()

    def get_min_study_seconds(self, lesson: Lesson) -> int:
        return lesson_required_seconds(lesson)

    class Meta:
        model = Lesson
        fields = ["id", "position", "title", "min_study_seconds", "my_progress"]

    @extend_schema_field(LessonProgressSerializer)
    def get_my_progress(self, lesson: Lesson) -> dict[str, Any]:
        return lesson_progress_data(self.context["lesson_progress"].get(lesson.pk))


class CourseDetailSerializer(CourseSerializer):
    lessons = serializers.SerializerMethodField()

    class Meta(CourseSerializer.Meta):
        fields = [*CourseSerializer.Meta.fields, "lessons"]

    @extend_schema_field(LessonSummarySerializer(many=True))
    def get_lessons(self, course: Course) -> list[dict[str, Any]]:
        return list(LessonSummarySerializer(self.context["lessons"], many=True, context=self.context).data)


class AttachmentSerializer(serializers.Serializer):
    title = serializers.CharField()
    url = serializers.CharField()


class LessonSerializer(serializers.ModelSerializer):
    course = serializers.SerializerMethodField()
    body_html = serializers.SerializerMethodField(help_text=_("正文，已转为 HTML"))
    articles = serializers.ListField(source="article_list", child=serializers.CharField())
    min_study_seconds = serializers.SerializerMethodField(help_text=MIN_STUDY_HELP)
    attachments = serializers.SerializerMethodField()
    my_progress = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = [
            "id",
            "course",
            "position",
            "title",
            "body",
            "body_html",
            "articles",
            "min_study_seconds",
            "video_url",
            "attachments",
            "my_progress",
        ]

    @extend_schema_field(
        inline_serializer(
            "LessonCourse", {"id": serializers.IntegerField(), "title": serializers.CharField()}
        )
    )
    def get_course(self, lesson: Lesson) -> dict[str, Any]:
        return {"id": lesson.course_id, "title": lesson.course.title}

    def get_min_study_seconds(self, lesson: Lesson) -> int:
        return lesson_required_seconds(lesson)

    def get_body_html(self, lesson: Lesson) -> str:
        return str(render_lesson_body(lesson.body))

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, lesson: Lesson) -> list[dict[str, str]]:
        return [{"title": item.title, "url": item.file.url} for item in lesson.attachments.all()]

    @extend_schema_field(LessonProgressSerializer)
    def get_my_progress(self, lesson: Lesson) -> dict[str, Any]:
        return lesson_progress_data(self.context.get("progress"))


class QuizStartedSerializer(serializers.Serializer):
    attempt = serializers.IntegerField(help_text=_("答卷 id，按考试接口 /api/v1/attempts/{id}/ 作答、交卷"))
    created = serializers.BooleanField()


class HeartbeatInSerializer(serializers.Serializer):
    end_reached = serializers.BooleanField(default=False, help_text=_("读者已滚动到正文末尾的标记处"))


class HeartbeatOutSerializer(LessonProgressSerializer):
    min_study_seconds = serializers.IntegerField()
    credited_seconds = serializers.IntegerField(help_text=_("本次心跳记入的秒数"))
    course_completed = serializers.BooleanField()


# ---------------------------------------------------------------- study plans


class PlanCourseSerializer(serializers.Serializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    required = serializers.BooleanField(default=True)  # type: ignore[assignment]
    due_on = serializers.DateField(allow_null=True, required=False, default=None)


class StudyPlanInSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    title = serializers.CharField(max_length=200)
    required_hours = serializers.DecimalField(min_value=0, **HOURS)  # type: ignore[arg-type]
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False, help_text=_("不填表示全体人员")
    )
    courses = PlanCourseSerializer(many=True)

    @classmethod
    def for_patch(cls, plan: StudyPlan, data: Any) -> StudyPlanInSerializer:
        """A PATCH of ``plan``: the fields sent over its current ones (a list sent replaces the list)."""
        if not isinstance(data, Mapping):
            raise ValidationFailed(str(_("请求体应为 JSON 对象。")))
        current = {
            "year": plan.year,
            "title": plan.title,
            "required_hours": plan.required_hours,
            "departments": [department.pk for department in plan.departments.all()],
            "courses": [
                {"course": entry.course_id, "required": entry.required, "due_on": entry.due_on}
                for entry in plan.entries.all()
            ],
        }
        return cls(data={**current, **data})


class StudyPlanSerializer(serializers.ModelSerializer):
    departments = DepartmentRefSerializer(many=True)
    courses = serializers.SerializerMethodField()

    class Meta:
        model = StudyPlan
        fields = ["id", "year", "title", "required_hours", "departments", "courses"]

    @extend_schema_field(
        serializers.ListField(
            child=serializers.DictField(),
            help_text=_("[{course: {id, title, law_area, ...}, required, due_on}]"),
        )
    )
    def get_courses(self, plan: StudyPlan) -> list[dict[str, Any]]:
        return [
            {
                "course": CourseRefSerializer(entry.course).data,
                "required": entry.required,
                "due_on": entry.due_on.isoformat() if entry.due_on else None,
            }
            for entry in plan.entries.all()
        ]


class PlanCourseStatusSerializer(serializers.Serializer):
    course = CourseRefSerializer()
    required = serializers.BooleanField()  # type: ignore[assignment]
    due_on = serializers.DateField()
    overdue = serializers.BooleanField()
    progress = CourseProgressSerializer()


class PlanRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = StudyPlan
        fields = ["id", "year", "title"]


class PersonalPlanSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    plans = PlanRefSerializer(many=True)
    required_hours = serializers.DecimalField(**HOURS)  # type: ignore[arg-type]
    hours_earned = serializers.DecimalField(max_digits=9, decimal_places=1)
    hours_percent = serializers.IntegerField()
    hours_overdue = serializers.BooleanField()
    required_courses = PlanCourseStatusSerializer(many=True)
    elective_courses = PlanCourseStatusSerializer(many=True)
    overdue_courses = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_overdue_courses(self, plan: Any) -> list[int]:
        return [item.course.pk for item in plan.overdue]


# ---------------------------------------------------------------- the ledger


class PersonRefSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(allow_null=True)

    class Meta:
        model = User
        fields = ["id", "name", "employee_no", "department"]


class StudyHoursEntrySerializer(serializers.ModelSerializer):
    source_display = serializers.CharField(source="get_source_display")

    class Meta:
        model = StudyHoursEntry
        fields = ["id", "source", "source_display", "title", "hours", "earned_at", "course", "activity"]


class LedgerSerializer(serializers.Serializer):
    person = PersonRefSerializer()
    year = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=9, decimal_places=1)
    required_hours = serializers.DecimalField(**HOURS)  # type: ignore[arg-type]
    entries = StudyHoursEntrySerializer(many=True)


class StaffHoursSerializer(serializers.ModelSerializer):
    department = DepartmentRefSerializer(allow_null=True)
    hours_total = serializers.DecimalField(max_digits=9, decimal_places=1)
    required_hours = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "name", "employee_no", "department", "hours_total", "required_hours"]

    @extend_schema_field(serializers.DecimalField(**HOURS))  # type: ignore[arg-type]
    def get_required_hours(self, person: User) -> str:
        return f"{self.context['required_hours'](person.department):.1f}"


# ---------------------------------------------------------------- activities


class ActivitySerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    law_area_display = serializers.CharField(source="get_law_area_display", read_only=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), allow_null=True, required=False
    )
    attendee_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = StudyActivity
        fields = ["id", *ACTIVITY_FIELDS, "kind_display", "law_area_display", "attendee_count"]
        extra_kwargs = {
            "kind": {"choices": ActivityKind.choices},
            "law_area": {"help_text": _("法律领域的名称（见 /api/v1/law-areas/），可留空。")},
            "hours": {"required": True},
        }


class AttendanceSerializer(serializers.ModelSerializer):
    person = PersonRefSerializer()
    method_display = serializers.CharField(source="get_method_display")

    class Meta:
        model = ActivityAttendance
        fields = ["person", "method", "method_display", "recorded_at"]


class AttendeesInSerializer(serializers.Serializer):
    people = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), many=True, required=False)
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(),
        many=True,
        required=False,
        help_text=_("按单位批量登记：这些单位（含下级单位）的全部在职人员"),
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("people") and not attrs.get("departments"):
            raise serializers.ValidationError(_("请选择参加人员或单位。"))
        return attrs


class AttendeesAddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()
    attendee_count = serializers.IntegerField()


class SignInOpenInSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(default=30, help_text=_("签到开放的分钟数，1–1440"))


class SignInSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = ActivitySignIn
        fields = ["activity", "code", "token", "url", "opened_at", "expires_at"]

    def get_url(self, sign_in: ActivitySignIn) -> str:
        return self.context["url"]


class SignInInSerializer(serializers.Serializer):
    token = serializers.CharField(required=False, help_text=_("签到链接中的令牌"))
    code = serializers.CharField(required=False, max_length=12, help_text=_("六位签到码"))

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("token") and not attrs.get("code"):
            raise serializers.ValidationError(_("请提供签到码或签到链接。"))
        return attrs


class SignInResultSerializer(serializers.Serializer):
    activity = serializers.IntegerField()
    title = serializers.CharField()
    created = serializers.BooleanField(help_text=_("本次是否新登记（重复签到为 false）"))
    hours = serializers.DecimalField(**HOURS)  # type: ignore[arg-type]


class MonthCheckSerializer(serializers.Serializer):
    month = serializers.IntegerField()
    state = serializers.ChoiceField(["held", "missing", "open", "future"])
    held = serializers.BooleanField()
    activities = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_activities(self, month: Any) -> list[dict[str, Any]]:
        return [
            {
                "id": activity.pk,
                "held_on": activity.held_on.isoformat(),
                "meeting": activity.meeting,
                "speaker": activity.speaker,
                "speaker_title": activity.speaker_title,
                "topic": activity.topic,
            }
            for activity in month.activities
        ]


class PreMeetingCheckSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    months_held = serializers.IntegerField()
    months_missing = serializers.ListField(child=serializers.IntegerField())
    months = MonthCheckSerializer(many=True)
