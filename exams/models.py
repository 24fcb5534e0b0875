"""The exam engine's tables: question bank, exams and their blueprints, sessions, attempts.

Business rules live in ``services.py`` (writes) and ``selectors.py`` (reads); this
module holds fields, constraints and small properties only.

An attempt freezes its paper at start: every ``AttemptItem`` copies the question's
text, options (in the candidate's shuffled order), points, correct keys,
explanation and law reference, so later edits of the bank never change a drawn
paper. ``Attempt.item_index`` is a compact copy of what an answer save needs to
validate (``{"<item id>": [kind, [option keys]]}``), so a save reads one row; a paper drawn
ahead also keeps its items as the start API sends them (``Attempt.paper_json``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from people.models import Department

# Saves are accepted this long after an attempt's deadline (network latency,
# the last autosave of a page that reached zero); afterwards the attempt is closed.
SAVE_GRACE = timedelta(seconds=30)
OPTION_KEYS = "ABCDEFGH"
JUDGE_TRUE = "T"
JUDGE_FALSE = "F"
# One bit per key an option can have: an item's ``key_mask`` holds its options' bits, so a
# save checks its keys inside the upsert with one ``&`` (keys outside these set UNKNOWN_KEY_BIT).
KEY_BITS = {key: 1 << bit for bit, key in enumerate(OPTION_KEYS + JUDGE_TRUE + JUDGE_FALSE)}
UNKNOWN_KEY_BIT = 1 << len(KEY_BITS)


def key_mask(keys: list[str]) -> int:
    """The bits of ``keys`` (an unknown key sets ``UNKNOWN_KEY_BIT``, which no item allows)."""
    mask = 0
    for key in keys:
        mask |= KEY_BITS.get(key, UNKNOWN_KEY_BIT)
    return mask


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    JUDGE = "judge", _("判断")


class LawArea(models.Model):
    """A law area (法律领域): the category of a question, of a blueprint rule and of a course.

    Law areas are data: a bureau adds its own (建筑法, 城乡规划法…) without a release. Questions,
    rules, courses and activities hold the area's ``name`` (the API speaks names); the services
    check a name against this table. The names below are the seed rows (migration 0004); the
    constants let code and tests name them.
    """

    CONSTITUTION = "宪法"
    CIVIL_CODE = "民法典"
    INFORMATION_DISCLOSURE = "政府信息公开条例"
    ADMINISTRATIVE_PENALTY = "行政处罚法"
    ADMINISTRATIVE_LICENSING = "行政许可法"
    ADMINISTRATIVE_COERCION = "行政强制法"
    ADMINISTRATIVE_RECONSIDERATION = "行政复议法"
    ADMINISTRATIVE_LITIGATION = "行政诉讼法"
    OTHER = "其他"

    name = models.CharField(_("名称"), max_length=32, unique=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("法律领域")
        verbose_name_plural = _("法律领域")
        ordering = ["id"]

    def __str__(self) -> str:
        return law_area_label(self.name)

    @property
    def label(self) -> str:
        return law_area_label(self.name)


# The seed areas' names, in the translation catalogue so that English pages show them in English;
# an area a bureau adds shows as written.
SEED_LAW_AREAS = (
    gettext_noop("宪法"),
    gettext_noop("民法典"),
    gettext_noop("政府信息公开条例"),
    gettext_noop("行政处罚法"),
    gettext_noop("行政许可法"),
    gettext_noop("行政强制法"),
    gettext_noop("行政复议法"),
    gettext_noop("行政诉讼法"),
    gettext_noop("其他"),
)


def law_area_label(name: str) -> str:
    """How a law area's name reads in the active language (a seed name translated, others as stored)."""
    return gettext(name) if name else ""


def _law_area_form_choices() -> list[tuple[str, str]]:
    return [
        (name, law_area_label(name)) for name in LawArea.objects.order_by("id").values_list("name", flat=True)
    ]


class LawAreaNameField(models.CharField):
    """Holds a law area's name (what the API speaks); a form offers the areas of the table.

    The services check a name against ``LawArea`` (``exams.law_areas.law_area_names``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs: Any) -> Any:
        choices = _law_area_form_choices
        if self.blank:

            def choices() -> list[tuple[str, str]]:
                return [("", "---------"), *_law_area_form_choices()]

        return forms.ChoiceField(
            choices=choices,
            required=not self.blank,
            label=capfirst(self.verbose_name),
            help_text=self.help_text,
            **{key: value for key, value in kwargs.items() if key in {"initial", "widget", "disabled"}},
        )


class ExamKind(models.TextChoices):
    ANNUAL = "annual", _("年度学法考试")
    QUALIFICATION = "qualification", _("行政执法资格考试")
    PRACTICE = "practice", _("练习")


class ReviewPolicy(models.TextChoices):
    AFTER_SUBMIT = "after_submit", _("交卷后可查看")
    AFTER_CLOSE = "after_close", _("场次结束后可查看")
    NEVER = "never", _("不可查看")


class AttemptStatus(models.TextChoices):
    DRAWN = "drawn", _("已组卷，未开始")
    IN_PROGRESS = "in_progress", _("答题中")
    SUBMITTED = "submitted", _("已交卷")


class Question(models.Model):
    """A question of the bank (试题). ``answer`` holds the correct option keys, sorted."""

    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, help_text=_('[{"key": "A", "text": "…"}, …]'))
    answer = models.JSONField(_("答案"), default=list, help_text=_('正确选项的键，如 ["A", "C"]'))
    explanation = models.TextField(_("解析"), blank=True)
    law_reference = models.CharField(_("法条依据"), max_length=255, blank=True)
    category = LawAreaNameField(_("分类"))
    difficulty = models.PositiveSmallIntegerField(_("难度"), default=3)
    is_active = models.BooleanField(_("启用"), default=True)
    # sha256 of kind and whitespace-normalised stem: the natural key that makes imports idempotent.
    fingerprint = models.CharField(_("指纹"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("试题")
        verbose_name_plural = _("试题")
        ordering = ["id"]
        indexes = [models.Index(fields=["kind", "category", "is_active"], name="question_pool")]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1) & Q(difficulty__lte=5), name="question_difficulty_1_5"
            ),
        ]

    def __str__(self) -> str:
        return self.stem[:40]


class QuestionImport(models.Model):
    """The record of one question-bank import: who, when, which file, what changed."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    filename = models.CharField(_("文件名"), max_length=255)
    created_count = models.PositiveIntegerField(_("新增题数"), default=0)
    updated_count = models.PositiveIntegerField(_("更新题数"), default=0)
    unchanged_count = models.PositiveIntegerField(_("未变题数"), default=0)
    changes = models.JSONField(_("变更明细"), default=list)

    class Meta:
        verbose_name = _("题库导入记录")
        verbose_name_plural = _("题库导入记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%Y-%m-%d %H:%M})"


class AnswerCorrection(models.Model):
    """An administrator's correction of a question's key, and the regrade it caused."""

    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.CASCADE, related_name="corrections"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("原因"))
    old_answer = models.JSONField(_("原答案"))
    new_answer = models.JSONField(_("新答案"))
    items_changed = models.PositiveIntegerField(_("更正的答卷题目数"), default=0)
    attempts_regraded = models.PositiveIntegerField(_("重新评分的答卷数"), default=0)
    score_changes = models.JSONField(
        _("分数变化"), default=list, help_text=_("每份答卷的 attempt、candidate、before、after、passed。")
    )

    class Meta:
        verbose_name = _("答案更正记录")
        verbose_name_plural = _("答案更正记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.old_answer} → {self.new_answer}"


class Exam(models.Model):
    """An exam template (试卷模板): rules, timing and policies; scheduled through sessions."""

    title = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=20, choices=ExamKind.choices)
    duration_minutes = models.PositiveSmallIntegerField(_("考试时长（分钟）"))
    pass_score = models.PositiveIntegerField(_("及格分"))
    max_attempts = models.PositiveSmallIntegerField(
        _("允许作答次数"), default=1, help_text=_("练习卷不限次数。")
    )
    review_policy = models.CharField(
        _("查看答案"), max_length=20, choices=ReviewPolicy.choices, default=ReviewPolicy.AFTER_CLOSE
    )
    shuffle_options = models.BooleanField(_("选项乱序"), default=True)
    partial_credit = models.BooleanField(
        _("多选题少选得半分"), default=False, help_text=_("选对部分且无错选时得该题一半分数。")
    )
    listed_in_practice = models.BooleanField(
        _("列入练习"),
        default=True,
        help_text=_("练习卷是否出现在“练习”中供学员自选；课程的结课测验等只从别处开始的练习卷不列入。"),
    )
    validity_years = models.PositiveSmallIntegerField(
        _("执法资格有效期（年）"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_("行政执法资格考试合格后所发执法资格的有效年数；其他类型的试卷不用。"),
    )
    max_score = models.PositiveIntegerField(_("满分"), default=0, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("试卷模板")
        verbose_name_plural = _("试卷模板")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_practice(self) -> bool:
        return self.kind == ExamKind.PRACTICE


class ExamRule(models.Model):
    """One blueprint rule: ``count`` questions of ``kind`` (and ``category`` if set), ``points`` each."""

    exam = models.ForeignKey(Exam, verbose_name=_("试卷模板"), on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    category = LawAreaNameField(_("分类"), blank=True, help_text=_("留空表示不限分类。"))
    count = models.PositiveSmallIntegerField(_("题数"))
    points = models.PositiveSmallIntegerField(_("每题分值"))

    class Meta:
        verbose_name = _("组卷规则")
        verbose_name_plural = _("组卷规则")
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="examrule_count_positive"),
            models.CheckConstraint(condition=Q(points__gte=1), name="examrule_points_positive"),
        ]

    def __str__(self) -> str:
        category = law_area_label(self.category) if self.category else _("不限分类")
        return f"{self.get_kind_display()} · {category} · {self.count} × {self.points}"


class ExamSession(models.Model):
    """An exam scheduled in a window for an audience (考试场次).

    The audience is every active user within any of ``departments``' subtrees (all
    departments when empty), and only enforcement officers when
    ``enforcement_officers_only``; ``exams.eligibility`` is the one place that decides it.
    """

    exam = models.ForeignKey(
        Exam, verbose_name=_("试卷模板"), on_delete=models.PROTECT, related_name="sessions"
    )
    title = models.CharField(_("名称"), max_length=200)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("结束时间"))
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("参考单位"),
        blank=True,
        related_name="exam_sessions",
        help_text=_("含下级单位；留空表示全部单位。"),
    )
    enforcement_officers_only = models.BooleanField(_("仅限执法人员"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("考试场次")
        verbose_name_plural = _("考试场次")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_at__lt=models.F("closes_at")), name="session_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StartedAttemptManager(models.Manager["Attempt"]):
    """Attempts that have started: every attempt but the papers drawn ahead and not yet claimed.

    ``paper_json`` (a drawn paper's rendered items, about 20 KB) is read only by the claim's own
    statement, so it is never loaded with an attempt."""

    def get_queryset(self) -> models.QuerySet[Attempt]:
        return super().get_queryset().exclude(status=AttemptStatus.DRAWN).defer("paper_json")


class EveryAttemptManager(models.Manager["Attempt"]):
    """Every attempt, papers drawn ahead included (drawing and claiming them); ``paper_json`` deferred."""

    def get_queryset(self) -> models.QuerySet[Attempt]:
        return super().get_queryset().defer("paper_json")


class Attempt(models.Model):
    """One candidate's sitting of a session (答卷), with its own frozen paper.

    A paper drawn ahead of the session waits as an attempt with status ``drawn`` until its
    candidate starts; ``Attempt.objects`` never shows those (``Attempt.with_drawn`` does), so
    every count, list and report sees only attempts that have started.
    """

    session = models.ForeignKey(
        ExamSession, verbose_name=_("考试场次"), on_delete=models.PROTECT, related_name="attempts"
    )
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("考生"),
        on_delete=models.PROTECT,
        related_name="exam_attempts",
    )
    number = models.PositiveSmallIntegerField(_("第几次作答"))
    status = models.CharField(
        _("状态"), max_length=20, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"))
    extra_minutes = models.PositiveIntegerField(_("延长时间（分钟）"), default=0)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    auto_submitted = models.BooleanField(_("超时自动交卷"), default=False)
    max_score = models.PositiveIntegerField(_("满分"))
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(_("及格"), null=True, blank=True)
    item_index = models.JSONField(_("题目索引"), default=dict, editable=False)
    # A paper drawn ahead, as the start API sends its items (``selectors.paper_json``): written
    # with the paper, so the start that claims it sends it without reading or encoding the items.
    # Empty for a paper drawn at start. Nothing a candidate sees in it changes after the draw
    # (a key correction changes only keys and scores, which it never holds).
    paper_json = models.TextField(_("考生所见试卷（JSON）"), blank=True, default="", editable=False)

    objects = StartedAttemptManager()
    with_drawn = EveryAttemptManager()

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["session", "candidate", "number"], name="attempt_unique_number"),
            models.UniqueConstraint(
                fields=["session", "candidate"],
                condition=Q(status="in_progress"),
                name="attempt_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="attempt_overdue"),
            models.Index(fields=["candidate", "session"], name="attempt_candidate_session"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.candidate_id}#{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED


class AttemptItem(models.Model):
    """A question as frozen in one attempt's paper: what the candidate saw and how it is graded."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    question = models.ForeignKey(
        Question, verbose_name=_("试题"), on_delete=models.PROTECT, related_name="attempt_items"
    )
    kind = models.CharField(_("题型"), max_length=10, choices=QuestionKind.choices)
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项（考生所见顺序）"), default=list)
    points = models.PositiveSmallIntegerField(_("分值"))
    correct = models.JSONField(_("正确答案"), default=list)
    explanation = models.TextField(_("解析"), blank=True)
    law_reference = models.CharField(_("法条依据"), max_length=255, blank=True)
    category = LawAreaNameField(_("分类"))
    earned = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    key_mask = models.PositiveIntegerField(_("选项键位"), default=0, editable=False)

    class Meta:
        verbose_name = _("答卷题目")
        verbose_name_plural = _("答卷题目")
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="attemptitem_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class AttemptAnswer(models.Model):
    """The candidate's latest saved keys for one item; one row per item, upserted by each save."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="answers"
    )
    item = models.OneToOneField(
        AttemptItem, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="answer"
    )
    keys = models.JSONField(_("所选答案"), default=list)
    saved_at = models.DateTimeField(_("保存时间"))

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")

    def __str__(self) -> str:
        return f"{self.item_id}: {','.join(self.keys)}"


class AttemptExtraTime(models.Model):
    """Extra time an administrator granted one candidate's attempt: who, when, how long, why."""

    attempt = models.ForeignKey(
        Attempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="extra_time_grants"
    )
    minutes = models.PositiveIntegerField(_("延长分钟数"))
    reason = models.TextField(_("原因"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("时间"))
    deadline_before = models.DateTimeField(_("原截止时间"))
    deadline_after = models.DateTimeField(_("新截止时间"))

    class Meta:
        verbose_name = _("延时记录")
        verbose_name_plural = _("延时记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.attempt_id} +{self.minutes}"
