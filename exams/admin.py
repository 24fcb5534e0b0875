"""The exam engine in the Django admin. Every write goes through ``exams.services``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from common.errors import DomainError, ValidationFailed

from . import bank_io, services
from .models import (
    AnswerCorrection,
    Attempt,
    AttemptExtraTime,
    AttemptItem,
    Exam,
    ExamRule,
    ExamSession,
    LawArea,
    Question,
    QuestionImport,
)


class LawAreaForm(forms.ModelForm):
    class Meta:
        model = LawArea
        fields = ["name"]

    def clean_name(self) -> str:
        try:
            return services.law_area_name_clean(self.cleaned_data.get("name", ""))
        except ValidationFailed as refusal:
            raise forms.ValidationError(refusal.message) from None


@admin.register(LawArea)
class LawAreaAdmin(admin.ModelAdmin):
    """Law areas are added (a bureau's own), never renamed or deleted: questions, rules and courses
    hold their names."""

    form = LawAreaForm
    list_display = ["name", "created_at"]
    search_fields = ["name"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: LawArea, form: Any, change: bool) -> None:
        created = services.law_area_create(name=form.cleaned_data["name"])
        obj.pk = created.pk


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = [*services.QUESTION_FIELDS, "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        values = {name: data.get(name) for name in services.QUESTION_FIELDS}
        _cleaned, problems = services.question_problems(services.QuestionIn(**values))  # type: ignore[arg-type]
        for field_name, message in problems:
            self.add_error(field_name if field_name in self.fields else None, message)
        return data


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    form = QuestionForm
    list_display = ["id", "short_stem", "kind", "category", "difficulty", "is_active", "updated_at"]
    list_filter = ["kind", "category", "difficulty", "is_active"]
    search_fields = ["stem", "law_reference"]
    actions = ["activate", "deactivate", "export_xlsx"]

    @admin.display(description=_("题干"))
    def short_stem(self, obj: Question) -> str:
        return obj.stem[:50]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Papers refer to their questions; take a question out of use with 停用 instead.
        return False

    def save_model(self, request: HttpRequest, obj: Question, form: Any, change: bool) -> None:
        data = services.QuestionIn(**{name: form.cleaned_data[name] for name in services.QUESTION_FIELDS})
        if change:
            changes = {name: getattr(data, name) for name in services.QUESTION_FIELDS}
            services.question_update(
                question=obj, changes={**changes, "is_active": form.cleaned_data["is_active"]}
            )
        else:
            created = services.question_create(data=data, is_active=form.cleaned_data["is_active"])
            obj.pk = created.pk
        for _field, message in services.question_warnings(data):
            self.message_user(request, message, messages.WARNING)

    @admin.action(description=_("启用所选试题"))
    def activate(self, request: HttpRequest, queryset: Any) -> None:
        count = services.question_set_active(
            question_ids=list(queryset.values_list("pk", flat=True)), is_active=True
        )
        self.message_user(request, _("已启用 %(n)s 道题。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("停用所选试题"))
    def deactivate(self, request: HttpRequest, queryset: Any) -> None:
        count = services.question_set_active(
            question_ids=list(queryset.values_list("pk", flat=True)), is_active=False
        )
        self.message_user(request, _("已停用 %(n)s 道题。") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("导出所选试题 (.xlsx)"))
    def export_xlsx(self, request: HttpRequest, queryset: Any) -> HttpResponse:
        return bank_io.question_export(queryset, kind="xlsx")

    def get_urls(self):  # type: ignore[no-untyped-def]
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="exams_question_import"),
            path(
                "template/<str:kind>/",
                self.admin_site.admin_view(self.template_view),
                name="exams_question_template",
            ),
            *super().get_urls(),
        ]

    def template_view(self, request: HttpRequest, kind: str) -> HttpResponse:
        return bank_io.question_template(kind=kind)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        """Upload a question file; on any bad row show every fault and import nothing."""
        if not self.has_add_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        errors: list[Any] = []
        detail = ""
        upload = request.FILES.get("file") if request.method == "POST" else None
        if upload is not None:
            try:
                result = bank_io.question_bank_import(
                    file=upload,
                    filename=upload.name or "",
                    actor=request.user,  # type: ignore[arg-type]
                )
            except ValidationFailed as failure:
                detail, errors = failure.message, failure.errors or []
            else:
                self.message_user(
                    request,
                    _("导入完成：新增 %(c)s 道，更新 %(u)s 道，未变 %(n)s 道。")
                    % {"c": result.created, "u": result.updated, "n": result.unchanged},
                    messages.SUCCESS,
                )
                for warning in result.warnings:
                    self.message_user(
                        request,
                        _("第 %(row)s 行 %(field)s：%(message)s") % warning,
                        messages.WARNING,
                    )
                return HttpResponseRedirect(reverse("admin:exams_question_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("导入试题"),
            "intro": _(
                "按题型和题干新增或更新试题；重复导入同一文件不会产生变化。任何一行有错时不导入任何数据。"
            ),
            "template_url": reverse("admin:exams_question_template", args=["xlsx"]),
            "errors": errors,
            "detail": detail,
        }
        return TemplateResponse(request, "admin/import.html", context)


class RecordAdmin(admin.ModelAdmin):
    """A record only the services write (an import, a correction, an attempt): shown, never added or
    changed here."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields if f.name not in (self.exclude or ())]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecordInline(admin.TabularInline):
    """The rows of a record, shown with it: its ``fields``, never added, changed or deleted here."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(cast(list[str], self.fields))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(QuestionImport)
class QuestionImportAdmin(RecordAdmin):
    list_display = ["filename", "actor", "created_at", "created_count", "updated_count", "unchanged_count"]


@admin.register(AnswerCorrection)
class AnswerCorrectionAdmin(RecordAdmin):
    list_display = ["question", "old_answer", "new_answer", "actor", "created_at", "attempts_regraded"]


class ExamRuleFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        rules = [
            services.RuleIn(
                kind=form.cleaned_data["kind"],
                category=form.cleaned_data.get("category") or "",
                count=form.cleaned_data["count"],
                points=form.cleaned_data["points"],
            )
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        exam = self.instance
        values = {name: getattr(exam, name) for name in services.EXAM_FIELDS}
        try:
            if not rules:
                raise ValidationFailed(str(_("试卷至少要有一条组卷规则。")), field="rules")
            services.exam_check(values, rules)
        except ValidationFailed as failure:
            raise forms.ValidationError(failure.message) from None


class ExamRuleInline(admin.TabularInline):
    model = ExamRule
    formset = ExamRuleFormSet
    extra = 0
    min_num = 1
    fields = ["position", "kind", "category", "count", "points"]

    # The blueprint is fixed once the exam has an attempt (services.exam_check_locked_change).
    def _locked(self, obj: Exam | None) -> bool:
        return obj is not None and obj.pk is not None and Attempt.objects.filter(session__exam=obj).exists()

    def has_add_permission(self, request: HttpRequest, obj: Exam | None = None) -> bool:  # type: ignore[override]
        return not self._locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Exam | None = None) -> bool:  # type: ignore[override]
        return not self._locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Exam | None = None) -> bool:  # type: ignore[override]
        return not self._locked(obj) and super().has_delete_permission(request, obj)


class ExamForm(forms.ModelForm):
    class Meta:
        model = Exam
        fields = services.EXAM_FIELDS

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.instance.pk is not None and not self.errors:
            try:
                services.exam_check_grading_change(exam=self.instance, values=data)
                services.exam_check_locked_change(exam=self.instance, values=data)
            except DomainError as refusal:
                self.add_error(refusal.field if refusal.field in self.fields else None, refusal.message)
        return data


@admin.register(Exam)
class ExamAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "kind",
        "duration_minutes",
        "pass_score",
        "max_score",
        "max_attempts",
        "review_policy",
    ]
    list_filter = ["kind", "review_policy", "listed_in_practice"]
    search_fields = ["title"]
    inlines = [ExamRuleInline]
    form = ExamForm
    readonly_fields = ["max_score"]

    def save_model(self, request: HttpRequest, obj: Exam, form: Any, change: bool) -> None:
        # A change is written by exam_update in save_related, once the new rules are saved.
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
            super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # The settings through the service, which checks them against the rules just saved
        # and recomputes the maximum score.
        services.exam_update(
            exam=Exam.objects.get(pk=form.instance.pk),
            **{name: form.cleaned_data[name] for name in services.EXAM_FIELDS},
        )


class ExamSessionForm(forms.ModelForm):
    class Meta:
        model = ExamSession
        fields = ["exam", "title", "opens_at", "closes_at", "departments", "enforcement_officers_only"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
        if opens_at and closes_at and not opens_at < closes_at:
            self.add_error("closes_at", _("结束时间必须晚于开始时间。"))
        exam = data.get("exam")
        if exam is not None and self.instance.pk is None:
            shortfalls = services.exam_bank_shortfalls(exam)
            if shortfalls:
                self.add_error("exam", _("题库不足以按该试卷组卷：%(p)s。") % {"p": "；".join(shortfalls)})
        return data


@admin.register(ExamSession)
class ExamSessionAdmin(admin.ModelAdmin):
    form = ExamSessionForm
    list_display = ["title", "exam", "opens_at", "closes_at", "enforcement_officers_only"]
    list_filter = ["exam__kind", "enforcement_officers_only"]
    search_fields = ["title", "exam__title"]
    autocomplete_fields = ["departments"]
    date_hierarchy = "opens_at"

    def save_model(self, request: HttpRequest, obj: ExamSession, form: Any, change: bool) -> None:
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in {"title", "opens_at", "closes_at", "enforcement_officers_only"}
            }
            services.session_update(session=obj, **changes)
        else:
            created = services.session_schedule(
                exam=form.cleaned_data["exam"],
                title=form.cleaned_data["title"],
                opens_at=form.cleaned_data["opens_at"],
                closes_at=form.cleaned_data["closes_at"],
                departments=form.cleaned_data["departments"],
                enforcement_officers_only=form.cleaned_data["enforcement_officers_only"],
                actor=request.user,  # type: ignore[arg-type]
            )
            obj.pk, obj.created_at, obj.created_by = created.pk, created.created_at, created.created_by


class AttemptItemInline(RecordInline):
    model = AttemptItem
    fields = ["position", "kind", "stem", "points", "correct", "earned"]


class AttemptExtraTimeInline(RecordInline):
    model = AttemptExtraTime
    fields = ["minutes", "reason", "actor", "created_at", "deadline_before", "deadline_after"]


@admin.register(Attempt)
class AttemptAdmin(RecordAdmin):
    """Read-only: attempts change only through the candidate's actions, extra time and regrades."""

    list_display = [
        "id",
        "session",
        "candidate",
        "number",
        "status",
        "score",
        "passed",
        "started_at",
        "deadline",
    ]
    list_filter = ["status", "passed", "session__exam__kind"]
    search_fields = ["candidate__name", "candidate__username", "candidate__employee_no", "session__title"]
    list_select_related = ["session", "candidate"]
    exclude = ["item_index", "paper_json"]
    inlines = [AttemptExtraTimeInline, AttemptItemInline]
    actions = ["submit_overdue"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("提交所选的已超时答卷"))
    def submit_overdue(self, request: HttpRequest, queryset: Any) -> None:
        now = timezone.now()
        count = sum(
            services.attempt_submit_if_overdue(attempt_id=pk, now=now)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(request, _("已提交 %(n)s 份超时答卷。") % {"n": count}, messages.SUCCESS)
