"""Exams in the workspace: the list, and creating or editing an exam with its blueprint rules, with
the active bank's count for each rule's kind and law area beside it. Administrators only; writes call
``exams.services.exam_create`` / ``exam_update``, whose refusals (bad settings, a rule the bank does not
know, settings locked once attempts exist) are shown on the form and change nothing."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from common.errors import DomainError
from people.models import User
from people.permissions import admin_required

from .. import selectors as exam_selectors
from .. import services
from ..law_areas import law_area_choices
from ..models import Exam, ExamKind, QuestionKind, ReviewPolicy
from . import selectors


class ExamForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("名称"), max_length=200, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("类型"), choices=ExamKind.choices)
    duration_minutes = forms.IntegerField(label=gettext_lazy("考试时长（分钟）"), min_value=1)
    pass_score = forms.IntegerField(label=gettext_lazy("及格分"), min_value=0)
    max_attempts = forms.IntegerField(label=gettext_lazy("允许作答次数"), min_value=1, initial=1)
    review_policy = forms.ChoiceField(
        label=gettext_lazy("查看答案"), choices=ReviewPolicy.choices, initial=ReviewPolicy.AFTER_CLOSE
    )
    shuffle_options = forms.BooleanField(label=gettext_lazy("选项乱序"), required=False, initial=True)
    partial_credit = forms.BooleanField(label=gettext_lazy("多选题少选得部分分"), required=False)
    listed_in_practice = forms.BooleanField(
        label=gettext_lazy("出现在练习列表中（练习卷）"), required=False, initial=True
    )
    validity_years = forms.IntegerField(
        label=gettext_lazy("执法资格有效期（年）"), min_value=1, max_value=20, initial=3, required=False
    )

    def clean_validity_years(self) -> int:
        """Left empty, an exam keeps the default of three years."""
        value = self.cleaned_data.get("validity_years")
        return 3 if value is None else int(value)


class RuleForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("题型"), choices=[("", "—"), *QuestionKind.choices], required=False
    )
    category = forms.ChoiceField(label=gettext_lazy("法律领域"), required=False)
    count = forms.IntegerField(label=gettext_lazy("题数"), min_value=1, required=False)
    points = forms.IntegerField(label=gettext_lazy("每题分值"), min_value=1, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("不限分类")), *law_area_choices()]  # type: ignore[attr-defined]

    def rule(self) -> services.RuleIn | None:
        data = self.cleaned_data
        if not data or not data.get("kind"):
            return None
        return services.RuleIn(
            kind=data["kind"],
            category=data.get("category") or "",
            count=data.get("count") or 0,
            points=data.get("points") or 0,
        )


RuleFormSet = forms.formset_factory(RuleForm, extra=2)


def _rows(formset: Any, counts: dict[tuple[str, str], int]) -> list[tuple[Any, int | None]]:
    """Each rule's form with the active bank's count of its kind and law area (None for a blank row)."""
    rows = []
    for form in formset:
        kind = form["kind"].value()
        rows.append((form, counts.get((kind, form["category"].value() or ""), 0) if kind else None))
    return rows


def _page(
    request: HttpRequest, exam: Exam | None, form: ExamForm, formset: Any, status: int = 200
) -> HttpResponse:
    counts = selectors.bank_counts()
    kinds = QuestionKind.choices
    bank = [
        (label, [counts.get((kind, name), 0) for kind, _kind_label in kinds])
        for name, label in law_area_choices()
    ]
    context = {
        "exam": exam,
        "form": form,
        "formset": formset,
        "rules": _rows(formset, counts),
        "bank": bank,
        "kinds": [label for _kind, label in kinds],
        "shortfalls": services.exam_bank_shortfalls(exam) if exam is not None else [],
    }
    return render(request, "exams/manage/exam_form.html", context, status=status)


def _save(request: HttpRequest, exam: Exam | None, form: ExamForm, formset: Any) -> Exam | None:
    if not (form.is_valid() and formset.is_valid()):
        return None
    rules = [rule for rule in (f.rule() for f in formset) if rule is not None]
    values = {name: form.cleaned_data[name] for name in services.EXAM_FIELDS}
    try:
        if exam is None:
            return services.exam_create(**values, rules=rules, actor=cast(User, request.user))
        changes = {name: value for name, value in values.items() if getattr(exam, name) != value}
        current = [(r.kind, r.category, r.count, r.points) for r in exam.rules.all()]
        new = [(r.kind, r.category, r.count, r.points) for r in rules]
        return services.exam_update(exam=exam, rules=rules if new != current else None, **changes)
    except DomainError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        else:
            form.add_error(None, exc.message)
        return None


@require_GET
@admin_required
def exam_list(request: HttpRequest) -> HttpResponse:
    return render(request, "exams/manage/exams.html", {"exams": exam_selectors.exam_list()})


@require_http_methods(["GET", "POST"])
@admin_required
def exam_new(request: HttpRequest) -> HttpResponse:
    form = ExamForm(request.POST or None)
    formset = RuleFormSet(request.POST or None, prefix="rules")
    if request.method == "POST":
        exam = _save(request, None, form, formset)
        if exam is not None:
            messages.success(request, _("已创建试卷“%(title)s”。") % {"title": exam.title})
            return redirect("exams_manage:exam_edit", pk=exam.pk)
        return _page(request, None, form, formset, status=400)
    return _page(request, None, form, formset)


@require_http_methods(["GET", "POST"])
@admin_required
def exam_edit(request: HttpRequest, pk: int) -> HttpResponse:
    exam = get_object_or_404(Exam.objects.prefetch_related("rules"), pk=pk)
    initial = {name: getattr(exam, name) for name in services.EXAM_FIELDS}
    rules = [
        {"kind": r.kind, "category": r.category, "count": r.count, "points": r.points}
        for r in exam.rules.all()
    ]
    form = ExamForm(request.POST or None, initial=initial)
    formset = RuleFormSet(request.POST or None, prefix="rules", initial=rules)
    if request.method == "POST":
        saved = _save(request, exam, form, formset)
        if saved is not None:
            messages.success(request, _("已保存试卷“%(title)s”。") % {"title": saved.title})
            return redirect("exams_manage:exam_edit", pk=exam.pk)
        exam.refresh_from_db()
        return _page(request, exam, form, formset, status=400)
    return _page(request, exam, form, formset)
