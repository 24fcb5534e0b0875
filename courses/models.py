"""Law courses and their lessons, reading progress, annual study plans, study activities and the
study-hours ledger.

Rules (what completes a lesson, what a plan must contain, who is credited how many hours) live in
``services.py``; the constraints here only keep the rows consistent whoever writes them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# One list of law areas for exam questions and courses; re-exported for the rest of this app.
from exams.models import ExamKind, LawArea, LawAreaNameField, law_area_label  # noqa: F401
from people.models import Department

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class Course(models.Model):
    title = models.CharField(_("课程名称"), max_length=200)
    law_area = LawAreaNameField(_("法律领域"), db_index=True)
    description = models.TextField(_("课程简介"), blank=True)
    cover = models.FileField(
        _("封面图片"),
        upload_to="courses/covers/",
        blank=True,
        validators=[FileExtensionValidator(["jpg", "jpeg", "png", "webp"])],
    )
    study_hours = models.DecimalField(
        _("学时"),
        default=Decimal("1.0"),
        help_text=_("学完本课程记入学时台账的学时数。"),
        max_digits=6,
        decimal_places=1,
        validators=NOT_NEGATIVE,
    )
    is_published = models.BooleanField(_("已发布"), default=True, help_text=_("未发布的课程只有管理员可见。"))
    position = models.PositiveIntegerField(_("排序"), default=0)
    quiz = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("结课测验"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": ExamKind.PRACTICE},
        help_text=_("一份练习卷，学员学完章节后可以做。"),
    )
    quiz_required = models.BooleanField(
        _("须通过结课测验"), default=False, help_text=_("勾选后，须通过结课测验才算学完本课程。")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quiz_required=False) | Q(quiz__isnull=False),
                name="course_required_quiz_is_set",
                violation_error_message=_("要求通过结课测验时，须选择结课测验。"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_law_area_display(self) -> str:
        return law_area_label(self.law_area)


class Lesson(models.Model):
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="lessons"
    )
    position = models.PositiveIntegerField(_("序号"), default=1)
    title = models.CharField(_("章节名称"), max_length=200)
    body = models.TextField(
        _("正文"),
        help_text=_(
            "段落之间空一行；“# ”开头为标题，“## ”为小标题；“> ”开头为引用的法条原文；"
            "“- ”开头为列表项；**两个星号**之间的文字加粗。"
        ),
    )
    articles = models.TextField(
        _("涉及法条"), blank=True, help_text=_("每行一条，例如：《中华人民共和国宪法》第五条")
    )
    min_study_seconds = models.PositiveIntegerField(
        _("最少学习时长（秒）"),
        default=300,
        help_text=_("实际阅读时长达到此值并读到末尾，本章才算学完。"),
    )
    video_url = models.URLField(_("视频链接"), blank=True)

    class Meta:
        verbose_name = _("章节")
        verbose_name_plural = _("章节")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def article_list(self) -> list[str]:
        return [line.strip() for line in self.articles.splitlines() if line.strip()]


class LessonAttachment(models.Model):
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("章节"), on_delete=models.CASCADE, related_name="attachments"
    )
    title = models.CharField(_("名称"), max_length=200)
    file = models.FileField(
        _("文件（PDF）"), upload_to="courses/attachments/", validators=[FileExtensionValidator(["pdf"])]
    )

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class LessonProgress(models.Model):
    """One person's reading of one lesson: time credited by heartbeats, end reached, completed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name=_("章节"), on_delete=models.CASCADE, related_name="progress"
    )
    seconds_spent = models.PositiveIntegerField(_("已学习时长（秒）"), default=0)
    last_heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True)
    end_reached_at = models.DateTimeField(_("读到末尾时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("学完时间"), null=True, blank=True)
    started_at = models.DateTimeField(_("开始时间"))

    class Meta:
        verbose_name = _("章节学习进度")
        verbose_name_plural = _("章节学习进度")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_unique_user_lesson"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.lesson}"


class CourseCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="course_completions",
    )
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(_("学完时间"))

    class Meta:
        verbose_name = _("课程完成记录")
        verbose_name_plural = _("课程完成记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="course_completion_unique_user_course"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.course}"


class StudyPlan(models.Model):
    """年度学法计划: for one year and audience, the courses to study and the hours to earn.

    No departments means everyone; a department includes its whole subtree.
    """

    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("计划名称"), max_length=200)
    required_hours = models.DecimalField(
        _("应修学时"), default=Decimal("0"), max_digits=6, decimal_places=1, validators=NOT_NEGATIVE
    )
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("适用单位"),
        blank=True,
        related_name="study_plans",
        help_text=_("不选表示全体人员；选中的单位含其下级单位。"),
    )
    courses = models.ManyToManyField(
        Course, through="PlanCourse", verbose_name=_("课程"), related_name="plans"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("年度学法计划")
        verbose_name_plural = _("年度学法计划")
        ordering = ["-year", "id"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class PlanCourse(models.Model):
    plan = models.ForeignKey(
        StudyPlan, verbose_name=_("计划"), on_delete=models.CASCADE, related_name="entries"
    )
    course = models.ForeignKey(Course, verbose_name=_("课程"), on_delete=models.PROTECT, related_name="+")
    required = models.BooleanField(_("必修"), default=True)
    due_on = models.DateField(_("完成期限"), null=True, blank=True, help_text=_("不填表示当年年底。"))

    class Meta:
        verbose_name = _("计划课程")
        verbose_name_plural = _("计划课程")
        ordering = ["-required", "due_on", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "course"], name="plan_course_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.course}"


class ActivityKind(models.TextChoices):
    PRE_MEETING = "pre_meeting", _("会前学法")
    LECTURE = "lecture", _("法治讲堂")
    OUTREACH = "outreach", _("普法活动")


class StudyActivity(models.Model):
    """A recorded 会前学法, 法治讲堂 or 普法活动; each attendee is credited ``hours``."""

    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices, db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    held_on = models.DateField(_("日期"), db_index=True)
    meeting = models.CharField(
        _("会议"), max_length=200, blank=True, help_text=_("会前学法：在哪次会议前学法。")
    )
    speaker = models.CharField(_("主讲人"), max_length=100, blank=True)
    speaker_title = models.CharField(
        _("主讲人职务"), max_length=200, blank=True, help_text=_("如“政策法规科科长”“某律师事务所律师”。")
    )
    law_area = LawAreaNameField(_("法律领域"), blank=True)
    topic = models.CharField(_("学习内容 / 主题"), max_length=200, blank=True)
    place = models.CharField(_("地点"), max_length=200, blank=True)
    audience = models.CharField(_("对象"), max_length=200, blank=True, help_text=_("普法活动面向的群体。"))
    materials = models.TextField(_("发放资料"), blank=True)
    people_reached = models.PositiveIntegerField(_("覆盖人数"), null=True, blank=True)
    hours = models.DecimalField(
        _("每人学时"), default=Decimal("1.0"), max_digits=6, decimal_places=1, validators=NOT_NEGATIVE
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("主办单位"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="study_activities",
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="ActivityAttendance",
        through_fields=("activity", "person"),
        verbose_name=_("参加人员"),
        related_name="study_activities",
        blank=True,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("学法活动")
        verbose_name_plural = _("学法活动")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_kind_display()} {self.title}"

    def get_law_area_display(self) -> str:
        return law_area_label(self.law_area)


class AttendanceMethod(models.TextChoices):
    BULK = "bulk", _("按单位批量登记")
    SIGN_IN = "sign_in", _("扫码签到")
    MANUAL = "manual", _("逐人登记")


class ActivityAttendance(models.Model):
    activity = models.ForeignKey(
        StudyActivity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="attendance"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("登记方式"), max_length=20, choices=AttendanceMethod.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("活动签到")
        verbose_name_plural = _("活动签到")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="attendance_unique_person"),
        ]

    def __str__(self) -> str:
        return f"{self.activity} · {self.person}"


class ActivitySignIn(models.Model):
    """A sign-in window an administrator opens during an activity: a link (shown as a QR code) and a short code."""

    activity = models.ForeignKey(
        StudyActivity, verbose_name=_("活动"), on_delete=models.CASCADE, related_name="sign_ins"
    )
    token = models.CharField(_("令牌"), max_length=64, unique=True)
    code = models.CharField(_("签到码"), max_length=12, db_index=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开启人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("开启时间"))
    expires_at = models.DateTimeField(_("截止时间"))

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.activity} · {self.code}"


class HoursSource(models.TextChoices):
    COURSE = "course", _("课程学习")
    ACTIVITY = "activity", _("学法活动")
    CORRECTION = "correction", _("更正")


class StudyHoursEntry(models.Model):
    """One line of a person's study-hours ledger: a completed course or an attended activity.

    The one source that reports and credential renewal read. A person is credited once per
    course and once per activity, whatever retries or double clicks happen.
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="study_hours"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1, validators=NOT_NEGATIVE)
    source = models.CharField(_("来源"), max_length=20, choices=HoursSource.choices)
    course = models.ForeignKey(
        Course, verbose_name=_("课程"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    activity = models.ForeignKey(
        StudyActivity,
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="hours_entries",
    )
    title = models.CharField(_("事项"), max_length=300)
    earned_at = models.DateTimeField(_("记入时间"))
    # A correction reverses one earlier line (its hours negated), with who recorded it and why; the
    # ledger is append-only: lines are never edited or deleted by hand.
    corrects = models.OneToOneField(
        "self",
        verbose_name=_("更正的记录"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="correction",
    )
    reason = models.CharField(_("更正原因"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更正人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时台账")
        ordering = ["-earned_at", "-id"]
        indexes = [models.Index(fields=["year", "person"], name="study_hours_year_person")]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course"],
                condition=Q(course__isnull=False),
                name="study_hours_once_per_course",
            ),
            models.UniqueConstraint(
                fields=["person", "activity"],
                condition=Q(activity__isnull=False),
                name="study_hours_once_per_activity",
            ),
            models.CheckConstraint(
                condition=(
                    Q(source="course", course__isnull=False, activity__isnull=True, corrects__isnull=True)
                    | Q(source="activity", activity__isnull=False, course__isnull=True, corrects__isnull=True)
                    | Q(
                        source="correction",
                        corrects__isnull=False,
                        course__isnull=True,
                        activity__isnull=True,
                    )
                ),
                name="study_hours_one_source",
            ),
            models.CheckConstraint(
                condition=Q(hours__gte=0) | Q(source="correction"),
                name="study_hours_negative_only_to_correct",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.year} {self.title} {self.hours}"
