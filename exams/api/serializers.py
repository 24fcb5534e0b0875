"""Serializers of the exam API: thin shapes over the services' and selectors' data.

No serializer a candidate receives during an attempt has a field for the correct
keys, the explanation or the law reference: those leave only through
``ReviewSerializer`` and ``MistakeSerializer``, whose views check the review policy.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from people.models import Department

from ..models import (
    AnswerCorrection,
    AttemptExtraTime,
    Exam,
    ExamKind,
    LawArea,
    Question,
    QuestionKind,
    ReviewPolicy,
)
from ..selectors import paper_item_data
from ..services import EXAM_FIELDS, QUESTION_FIELDS

_DATETIME = serializers.DateTimeField()
LAW_AREA_HELP = _("法律领域的名称，见 /api/v1/law-areas/。")


def score_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=7, decimal_places=1, coerce_to_string=False, **kwargs)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    field = serializers.CharField(required=False)
    # A field named like Serializer.errors: DRF's metaclass moves it into the declared fields.
    errors = serializers.ListField(child=serializers.DictField(), required=False)  # type: ignore[assignment]


class OptionSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=1)
    text = serializers.CharField()


# Law areas


class LawAreaSerializer(serializers.ModelSerializer):
    class Meta:
        model = LawArea
        fields = ["id", "name"]


class LawAreaInSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, help_text=_("新法律领域的名称，不能与已有的重复。"))


# Questions (administrators)


class QuestionSerializer(serializers.ModelSerializer):
    options = OptionSerializer(many=True)
    answer = serializers.ListField(child=serializers.CharField(max_length=1))

    class Meta:
        model = Question
        fields = ["id", *QUESTION_FIELDS, "is_active", "created_at", "updated_at"]


class QuestionInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    stem = serializers.CharField()
    options = OptionSerializer(many=True, required=False, help_text=_("判断题不填时为 T（正确）/F（错误）。"))
    answer = serializers.ListField(child=serializers.CharField(max_length=1), allow_empty=False)
    explanation = serializers.CharField(required=False, allow_blank=True, default="")
    law_reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    category = serializers.CharField(max_length=32, help_text=LAW_AREA_HELP)
    difficulty = serializers.IntegerField(min_value=1, max_value=5, required=False, default=3)
    is_active = serializers.BooleanField(required=False, default=True)


class CorrectAnswerInSerializer(serializers.Serializer):
    answer = serializers.ListField(child=serializers.CharField(max_length=1), allow_empty=False)
    reason = serializers.CharField()


class AnswerCorrectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AnswerCorrection
        fields = [
            "id",
            "question",
            "old_answer",
            "new_answer",
            "reason",
            "actor",
            "created_at",
            "items_changed",
            "attempts_regraded",
            "score_changes",
        ]


class FileInSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=_(".xlsx 或 .csv，表头见导入模板"))


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    import_id = serializers.IntegerField(
        allow_null=True, help_text=_("没有任何变化时为 null，也不留导入记录。")
    )
    warnings = serializers.ListField(
        child=serializers.DictField(),
        help_text=_("已导入但可能有误之处：{row, field, message}，例如解析按位置指代选项。"),
    )


# Exams (administrators)


class ExamRuleSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    category = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("法律领域的名称（见 /api/v1/law-areas/）；留空表示不限分类。"),
    )
    count = serializers.IntegerField(min_value=1, max_value=500)
    points = serializers.IntegerField(min_value=1, max_value=100)


class ExamSerializer(serializers.ModelSerializer):
    rules = ExamRuleSerializer(many=True)

    class Meta:
        model = Exam
        fields = ["id", *EXAM_FIELDS, "max_score", "rules", "created_at"]
        read_only_fields = ["max_score", "created_at"]


class ExamInSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ExamKind.choices)
    duration_minutes = serializers.IntegerField(min_value=1)
    pass_score = serializers.IntegerField(min_value=1)
    max_attempts = serializers.IntegerField(min_value=1, default=1)
    review_policy = serializers.ChoiceField(choices=ReviewPolicy.choices, default=ReviewPolicy.AFTER_CLOSE)
    shuffle_options = serializers.BooleanField(default=True)
    partial_credit = serializers.BooleanField(default=False)
    listed_in_practice = serializers.BooleanField(
        default=True, help_text=_("练习卷是否出现在练习列表中；课程的结课测验填 false。")
    )
    validity_years = serializers.IntegerField(
        min_value=1, max_value=20, default=3, help_text=_("资格考试合格后所发执法资格的有效年数。")
    )
    rules = ExamRuleSerializer(many=True, allow_empty=False)


class ExamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Exam
        fields = [
            "id",
            "title",
            "kind",
            "duration_minutes",
            "pass_score",
            "max_score",
            "max_attempts",
            "review_policy",
        ]


# Sessions


class SessionInSerializer(serializers.Serializer):
    exam = serializers.PrimaryKeyRelatedField(queryset=Exam.objects.all())
    title = serializers.CharField(max_length=200)
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False, default=list
    )
    enforcement_officers_only = serializers.BooleanField(default=False)


class SessionPatchSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False)
    opens_at = serializers.DateTimeField(required=False)
    closes_at = serializers.DateTimeField(required=False)
    departments = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), many=True, required=False
    )
    enforcement_officers_only = serializers.BooleanField(required=False)


class MyStatusSerializer(serializers.Serializer):
    attempts_used = serializers.IntegerField()
    attempts_left = serializers.IntegerField(allow_null=True, help_text=_("null 表示不限次数（练习）。"))
    best_score = score_field(allow_null=True)
    passed = serializers.BooleanField()
    in_progress_attempt = serializers.IntegerField(allow_null=True)


class SessionSerializer(serializers.Serializer):
    """A session row from the selectors: the session, its state, and the asking user's standing."""

    id = serializers.IntegerField(source="session.id")
    title = serializers.CharField(source="session.title")
    exam = ExamRefSerializer(source="session.exam")
    opens_at = serializers.DateTimeField(source="session.opens_at")
    closes_at = serializers.DateTimeField(source="session.closes_at")
    departments = serializers.SerializerMethodField()
    enforcement_officers_only = serializers.BooleanField(source="session.enforcement_officers_only")
    state = serializers.ChoiceField(choices=["upcoming", "open", "closed"])
    eligible = serializers.BooleanField()
    my_status = MyStatusSerializer()

    def get_departments(self, row: Any) -> list[int]:
        return sorted(department.pk for department in row.session.departments.all())


# Attempts (candidates)


class PaperItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    stem = serializers.CharField()
    options = OptionSerializer(many=True)
    points = serializers.IntegerField()
    answer = serializers.ListField(child=serializers.CharField(), help_text=_("已保存的所选答案"))


ATTEMPT_FIELDS = (
    "id",
    "session",
    "session_title",
    "exam_title",
    "number",
    "status",
    "started_at",
    "deadline",
    "server_time",
    "remaining_seconds",
    "submitted_at",
    "max_score",
    "score",
    "passed",
    "items",
)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField()
    session_title = serializers.CharField()
    exam_title = serializers.CharField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["in_progress", "submitted"])
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    server_time = serializers.DateTimeField()
    remaining_seconds = serializers.IntegerField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    max_score = serializers.IntegerField()
    score = score_field(allow_null=True, help_text=_("交卷后才有"))
    passed = serializers.BooleanField(allow_null=True, help_text=_("交卷后才有"))
    items = PaperItemSerializer(many=True)

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The declared fields' output, written out by hand: a 100-item paper through nested
        serializers costs about as much as the rest of a start (a test checks both agree)."""
        data: dict[str, Any] = {name: instance[name] for name in ATTEMPT_FIELDS}
        for name in ("started_at", "deadline", "server_time", "submitted_at"):
            if data[name] is not None:
                data[name] = _DATETIME.to_representation(data[name])
        if data["score"] is not None:
            data["score"] = float(data["score"])
        data["items"] = [paper_item_data(item) for item in data["items"]]
        return data


class AnswerInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    keys = serializers.ListField(child=serializers.CharField(max_length=1), allow_empty=True)


class AnswersInSerializer(serializers.Serializer):
    answers = AnswerInSerializer(many=True)


class SaveResultSerializer(serializers.Serializer):
    saved = serializers.IntegerField()
    saved_at = serializers.DateTimeField(help_text="The server's time of the save.")
    deadline = serializers.DateTimeField(
        help_text="The attempt's deadline now: extra time or an earlier close moves it."
    )

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return save_result_data(instance)


def save_result_data(result: Any) -> dict[str, Any]:
    """``SaveResultSerializer``'s output, written out by hand: it answers every autosave, where
    building the serializer and copying its declared fields cost more than the rest of the answer
    (a test checks both agree)."""
    return {
        "saved": result.saved,
        "saved_at": _DATETIME.to_representation(result.saved_at),
        "deadline": _DATETIME.to_representation(result.deadline),
    }


class SubmitResultSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="attempt_id")
    status = serializers.CharField()
    score = score_field()
    max_score = serializers.IntegerField()
    passed = serializers.BooleanField()


class ReviewItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    stem = serializers.CharField()
    options = OptionSerializer(many=True)
    points = serializers.IntegerField()
    your_keys = serializers.ListField(child=serializers.CharField())
    correct_keys = serializers.ListField(child=serializers.CharField())
    earned = score_field(allow_null=True)
    is_correct = serializers.BooleanField(allow_null=True)
    explanation = serializers.CharField(allow_blank=True)
    law_reference = serializers.CharField(allow_blank=True)
    category = serializers.CharField()
    withheld = serializers.BooleanField(
        help_text=_(
            "本卷有题目仍可能出现在您尚可参加的正式考试中：本卷每一题的正确答案、解析、法条依据和对错均不显示"
            "（correct_keys 为空，earned、is_correct 为 null）。"
        )
    )


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    score = score_field()
    max_score = serializers.IntegerField()
    passed = serializers.BooleanField()
    items = ReviewItemSerializer(many=True)


class MistakeSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    stem = serializers.CharField()
    options = OptionSerializer(many=True)
    your_keys = serializers.ListField(child=serializers.CharField())
    correct_keys = serializers.ListField(child=serializers.CharField())
    explanation = serializers.CharField()
    law_reference = serializers.CharField()
    category = serializers.CharField()
    wrong_count = serializers.IntegerField()
    last_attempt = serializers.IntegerField()
    last_session_title = serializers.CharField()
    last_submitted_at = serializers.DateTimeField()


class PracticeInSerializer(serializers.Serializer):
    exam = serializers.IntegerField(required=False, help_text=_("列入练习的练习卷编号；不填时用最新的一份。"))


# Administration of sessions


class BoardAttemptSerializer(serializers.Serializer):
    attempt = serializers.IntegerField()
    candidate_id = serializers.IntegerField()
    candidate_name = serializers.CharField()
    employee_no = serializers.CharField()
    department = serializers.CharField()
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    deadline = serializers.DateTimeField()
    extra_minutes = serializers.IntegerField()
    answered = serializers.IntegerField()


class BoardSerializer(serializers.Serializer):
    session = serializers.IntegerField(source="session.id")
    title = serializers.CharField(source="session.title")
    opens_at = serializers.DateTimeField(source="session.opens_at")
    closes_at = serializers.DateTimeField(source="session.closes_at")
    server_time = serializers.DateTimeField(source="now")
    eligible = serializers.IntegerField()
    started = serializers.IntegerField()
    submitted = serializers.IntegerField()
    passed = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    attempts_in_progress = BoardAttemptSerializer(many=True)


class ExtraTimeInSerializer(serializers.Serializer):
    minutes = serializers.IntegerField(min_value=1, max_value=600)
    reason = serializers.CharField()


class ExtraTimeSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttemptExtraTime
        fields = [
            "id",
            "attempt",
            "minutes",
            "reason",
            "actor",
            "created_at",
            "deadline_before",
            "deadline_after",
        ]
