"""The question bank in the workspace: browse, search and filter; add and edit; retire and reuse;
import (all rows or none, every bad row listed) and export; correct a key with a preview of the
regrade. Administrators only; every write calls ``exams.services``."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import DomainError
from common.uploads import spreadsheet_upload
from people.models import User
from people.permissions import admin_required

from .. import bank_io, selectors, services
from ..law_areas import law_area_choices
from ..models import JUDGE_FALSE, JUDGE_TRUE, OPTION_KEYS, Question, QuestionKind

PAGE_SIZE = 50


class QuestionFilterForm(forms.Form):
    search = forms.CharField(label=gettext_lazy("搜索题干或法条"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("法律领域"), required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("题型"),
        required=False,
        choices=[("", gettext_lazy("全部题型")), *QuestionKind.choices],
    )
    difficulty = forms.TypedChoiceField(
        label=gettext_lazy("难度"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", gettext_lazy("全部难度")), *[(n, str(n)) for n in range(1, 6)]],
    )
    status = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("active", gettext_lazy("启用")),
            ("retired", gettext_lazy("已停用")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("全部领域")), *law_area_choices()]  # type: ignore[attr-defined]


class QuestionForm(forms.Form):
    """A question as a page edits it: options A–H one per field, the answer as letters (T/F for true/false)."""

    kind = forms.ChoiceField(label=gettext_lazy("题型"), choices=QuestionKind.choices)
    stem = forms.CharField(
        label=gettext_lazy("题干"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    answer = forms.CharField(
        label=gettext_lazy("答案"),
        required=False,
        help_text=gettext_lazy("选项字母，如 B 或 ACD；判断题填 T（正确）或 F（错误）。"),
    )
    explanation = forms.CharField(
        label=gettext_lazy("解析"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    law_reference = forms.CharField(label=gettext_lazy("法条依据"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("法律领域"))
    difficulty = forms.IntegerField(label=gettext_lazy("难度（1–5）"), initial=3, required=False)
    is_active = forms.BooleanField(label=gettext_lazy("启用"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = law_area_choices()  # type: ignore[attr-defined]
        for key in OPTION_KEYS:
            self.fields[f"option_{key}"] = forms.CharField(label=_("选项 %(k)s") % {"k": key}, required=False)
        order = ["kind", "stem", *[f"option_{key}" for key in OPTION_KEYS], "answer"]
        self.order_fields(order)

    @classmethod
    def initial_for(cls, question: Question) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(question, name)
            for name in (
                "kind",
                "stem",
                "explanation",
                "law_reference",
                "category",
                "difficulty",
                "is_active",
            )
        }
        initial["answer"] = "".join(question.answer)
        if question.kind != QuestionKind.JUDGE:
            for option in question.options:
                initial[f"option_{option['key']}"] = option["text"]
        return initial

    def question_in(self) -> services.QuestionIn:
        data = self.cleaned_data
        kind = data["kind"]
        options = (
            []
            if kind == QuestionKind.JUDGE
            else [
                {"key": key, "text": data[f"option_{key}"].strip()}
                for key in OPTION_KEYS
                if data[f"option_{key}"].strip()
            ]
        )
        raw = (data.get("answer") or "").upper()
        answer = [key for key in raw if key in OPTION_KEYS or key in (JUDGE_TRUE, JUDGE_FALSE)]
        return services.QuestionIn(
            kind=kind,
            stem=data.get("stem") or "",
            options=options,
            answer=answer,
            explanation=data.get("explanation") or "",
            law_reference=data.get("law_reference") or "",
            category=data["category"],
            difficulty=data.get("difficulty") or 0,
        )

    def add_refusal(self, exc: DomainError) -> None:
        field = exc.field if exc.field in self.fields else ("option_A" if exc.field == "options" else None)
        self.add_error(field, exc.message)


class CorrectionForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("正确答案"), help_text=gettext_lazy("选项字母，如 B 或 ACD；判断题填 T 或 F。")
    )
    reason = forms.CharField(
        label=gettext_lazy("更正原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def keys(self) -> list[str]:
        return [key for key in self.cleaned_data["answer"].upper() if key.isalpha()]


@require_GET
@admin_required
def question_list(request: HttpRequest) -> HttpResponse:
    form = QuestionFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or ""
    questions = selectors.question_list(
        kind=data.get("kind") or None,
        category=data.get("category") or None,
        is_active=None if not status else status == "active",
        search=data.get("search") or None,
    )
    if data.get("difficulty"):
        questions = questions.filter(difficulty=data["difficulty"])
    if request.GET.get("format") == "xlsx":
        return bank_io.question_export(questions, kind="xlsx")
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), "total": page.paginator.count}
    return render(request, "exams/manage/questions.html", context)


@require_POST
@admin_required
def question_retire(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    retire = request.POST.get("active") != "1"
    services.question_set_active(question_ids=[question.pk], is_active=not retire)
    messages.success(
        request, _("已停用第 %(id)s 题。") % {"id": pk} if retire else _("已启用第 %(id)s 题。") % {"id": pk}
    )
    return redirect(request.POST.get("next") or "exams_manage:questions")


def _warn(request: HttpRequest, data: services.QuestionIn) -> None:
    for _field, message in services.question_warnings(data):
        messages.warning(request, message)


@require_http_methods(["GET", "POST"])
@admin_required
def question_new(request: HttpRequest) -> HttpResponse:
    form = QuestionForm(request.POST or None, initial={"is_active": True, "difficulty": 3})
    if request.method == "POST" and form.is_valid():
        data = form.question_in()
        try:
            question = services.question_create(data=data, is_active=form.cleaned_data["is_active"])
        except DomainError as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("已添加第 %(id)s 题。") % {"id": question.pk})
            _warn(request, data)
            return redirect("exams_manage:question_edit", pk=question.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "exams/manage/question_form.html", {"form": form, "question": None}, status=status)


@require_http_methods(["GET", "POST"])
@admin_required
def question_edit(request: HttpRequest, pk: int) -> HttpResponse:
    question = get_object_or_404(Question, pk=pk)
    form = QuestionForm(request.POST or None, initial=QuestionForm.initial_for(question))
    if request.method == "POST" and form.is_valid():
        data = form.question_in()
        changes = {name: getattr(data, name) for name in services.QUESTION_FIELDS}
        changes["is_active"] = form.cleaned_data["is_active"]
        try:
            services.question_update(question=question, changes=changes)
        except DomainError as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, _("已保存第 %(id)s 题。") % {"id": question.pk})
            _warn(request, data)
            return redirect("exams_manage:question_edit", pk=question.pk)
    status = 400 if request.method == "POST" else 200
    context = {
        "form": form,
        "question": question,
        "correction": CorrectionForm(),
        "in_papers": question.attempt_items.count(),
    }
    return render(request, "exams/manage/question_form.html", context, status=status)


@require_http_methods(["GET", "POST"])
@admin_required
def question_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """GET (htmx): the preview of a correction; POST: correct and regrade."""
    question = get_object_or_404(Question, pk=pk)
    form = CorrectionForm(request.POST if request.method == "POST" else request.GET)
    context: dict[str, Any] = {"question": question, "correction": form}
    if form.is_valid():
        try:
            if request.method == "POST":
                correction = services.question_correct_answer(
                    question=question,
                    answer=form.keys(),
                    reason=form.cleaned_data.get("reason") or "",
                    actor=request.user,  # type: ignore[arg-type]
                    now=timezone.now(),
                )
                messages.success(
                    request,
                    _("已更正答案：重新评分 %(a)s 份答卷，%(s)s 份成绩有变化。")
                    % {"a": correction.attempts_regraded, "s": len(correction.score_changes)},
                )
                return redirect("exams_manage:question_edit", pk=question.pk)
            context["preview"] = services.question_correct_answer_preview(
                question=question, answer=form.keys()
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
    if request.method == "POST":
        # A refused correction: the whole page again, with the form's errors.
        page = {
            "form": QuestionForm(initial=QuestionForm.initial_for(question)),
            "question": question,
            "correction": form,
            "in_papers": question.attempt_items.count(),
        }
        return render(request, "exams/manage/question_form.html", page, status=400)
    # The preview is a fragment swapped in place (htmx swaps 200s only), errors included.
    return render(request, "exams/manage/_correction.html", context)


@require_http_methods(["GET", "POST"])
@admin_required
def question_import(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {
        "title": _("导入试题"),
        "intro": _(
            "按题型和题干新增或更新试题；重复导入同一文件不会产生变化。任何一行有错时不导入任何数据。"
        ),
        "template_url": reverse("exams_manage:question_template"),
        "section_url": reverse("exams_manage:questions"),
        "section_title": _("题库"),
    }
    if request.method == "POST":
        result, refusal = spreadsheet_upload(
            request,
            lambda upload: bank_io.question_bank_import(
                file=upload, filename=upload.name or "", actor=cast(User, request.user)
            ),
        )
        if result is not None:
            messages.success(
                request,
                _("导入完成：新增 %(c)s 题，更新 %(u)s 题，未变 %(n)s 题。")
                % {"c": result.created, "u": result.updated, "n": result.unchanged},
            )
            for warning in result.warnings:
                messages.warning(request, _("第 %(row)s 行 %(field)s：%(message)s") % warning)
            return redirect("exams_manage:questions")
        return render(request, "manage/import.html", {**context, **refusal}, status=400)
    return render(request, "manage/import.html", context)


@require_GET
@admin_required
def question_template(request: HttpRequest) -> HttpResponse:
    return bank_io.question_template(kind="xlsx")
