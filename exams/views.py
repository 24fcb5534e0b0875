"""Web pages of the exam engine: my exams, taking an exam, result and review, 错题本, practice, and the
administrators' live board. Thin: every rule is in ``exams.services`` and ``exams.selectors``.

The exam page renders the paper from the same payload the API returns (``selectors.attempt_payload``),
which never holds correct keys or explanations; the page's script saves through the JSON API.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotFound
from common.params import ascii_int
from people.models import User
from people.permissions import admin_required
from people.scope import is_exam_admin

from . import selectors, services
from .access import Overdue, candidate_page, own_attempt
from .api.serializers import AttemptSerializer
from .errors import ReviewNever, ReviewNotYet
from .law_areas import law_area_choices
from .models import Attempt, ExamKind, QuestionKind
from .selectors import BoardAttempt
from .services.attempts import MAX_EXTRA_MINUTES

# How often the live board asks the server for fresh figures.
BOARD_REFRESH_SECONDS = 5


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _not_found_on(exc: DomainError) -> None:
    """A refusal that means "not yours / no such thing" is a 404 page, as in the API."""
    if exc.status_code == 404:
        raise Http404(exc.message)


def _own_attempt(request: HttpRequest, pk: int) -> Attempt:
    """The user's own attempt (404 for anyone else's), submitted first when it is overdue."""
    try:
        return own_attempt(candidate=_me(request), attempt_id=pk, now=timezone.now())
    except services.AttemptNotFound as exc:
        raise Http404(exc.message) from exc


def _clock(seconds: int) -> str:
    """Remaining time as the countdown shows it: H:MM:SS, or MM:SS under an hour."""
    hours, rest = divmod(max(0, seconds), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes:02d}:{seconds:02d}"


def _after_submit_url(attempt: Attempt) -> str:
    """Practice shows its feedback (the review) at once; an exam shows its result."""
    if attempt.session.exam.kind == ExamKind.PRACTICE:
        return reverse("exams:review", args=[attempt.pk])
    return reverse("exams:result", args=[attempt.pk])


# ---------------------------------------------------------------- my exams


@require_GET
@login_required
@candidate_page(Overdue.MINE)
def my_exams(request: HttpRequest) -> HttpResponse:
    user, now = _me(request), timezone.now()
    rows = [
        row
        for row in selectors.session_list_for_user(user=user, now=now)
        if row.session.exam.kind != ExamKind.PRACTICE
    ]
    results = selectors.submitted_attempts_by_session(
        user=user, session_ids=[row.session.pk for row in rows], now=now
    )
    by_state: dict[str, list[dict[str, Any]]] = {"open": [], "upcoming": [], "closed": []}
    for row in rows:
        by_state[row.state].append({"row": row, "results": results.get(row.session.pk, [])})
    admin = is_exam_admin(user)
    context = {
        **by_state,
        "is_exam_admin": admin,
        "admin_sessions": selectors.session_list_for_admin(user=user, now=now) if admin else [],
    }
    return render(request, "exams/my_exams.html", context)


@require_POST
@login_required
@candidate_page(Overdue.SERVICE)
def session_start(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        result = services.attempt_start(session_id=pk, candidate=_me(request), now=timezone.now())
    except DomainError as exc:
        _not_found_on(exc)
        messages.error(request, exc.message)
        return redirect("exams:my_exams")
    return redirect("exams:attempt", pk=result.attempt.pk)


# ---------------------------------------------------------------- taking an exam


@require_GET
@login_required
@candidate_page(Overdue.ATTEMPT)
def attempt_take(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if attempt.is_submitted:
        return redirect(_after_submit_url(attempt))
    now = timezone.now()
    payload = AttemptSerializer(
        selectors.attempt_payload(attempt, selectors.attempt_paper(attempt=attempt), now)
    ).data
    kinds = dict(QuestionKind.choices)
    questions = [
        {
            **item,
            "kind_label": kinds.get(item["kind"], item["kind"]),
            "input_type": "checkbox" if item["kind"] == QuestionKind.MULTIPLE else "radio",
        }
        for item in payload["items"]
    ]
    context = {
        "attempt": attempt,
        "payload": payload,
        "questions": questions,
        "items": payload["items"],
        "answered": sum(1 for item in payload["items"] if item["answer"]),
        "remaining_text": _clock(payload["remaining_seconds"]),
        "answers_url": reverse("attempt-answers", args=[attempt.pk]),
        "attempt_url": reverse("attempt-detail", args=[attempt.pk]),
        "submit_url": reverse("exams:attempt_submit", args=[attempt.pk]),
        "result_url": _after_submit_url(attempt),
        "texts": {
            "saving": _("正在保存…"),
            "saved": _("已保存 %(time)s"),
            "unsaved": _("未保存"),
            "warning": _(
                "第 %(items)s 题的答案尚未保存到服务器。答案已暂存在本机，恢复连接后会自动重新提交，请不要关闭本页面。"
            ),
            "retrying": _("%(seconds)s 秒后重试。"),
            "closed": _("答卷已提交，不能再修改，正在打开成绩页面…"),
            "unanswered": _("还有 %(count)s 题未作答：第 %(items)s 题。"),
            "all_answered": _("全部 %(count)s 题都已作答。"),
            "not_saved_cannot_submit": _("还有答案没有保存到服务器，暂时不能交卷。请检查网络后再试。"),
            "time_up": _("考试时间到，正在交卷…"),
            "submitting": _("正在交卷…"),
            "separator": _("、"),
        },
    }
    return render(request, "exams/attempt.html", context)


@require_POST
@login_required
@candidate_page(Overdue.SERVICE)
def attempt_submit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.attempt_submit(attempt_id=pk, candidate=_me(request), now=timezone.now())
    except DomainError as exc:
        _not_found_on(exc)
        messages.error(request, exc.message)
        return redirect("exams:attempt", pk=pk)
    return redirect(_after_submit_url(_own_attempt(request, pk)))


# ---------------------------------------------------------------- result and review


@require_GET
@login_required
@candidate_page(Overdue.MINE)
def attempt_result(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    if not attempt.is_submitted:
        return redirect("exams:attempt", pk=attempt.pk)
    now = timezone.now()
    review_message = ""
    try:
        selectors.review_state(attempt=attempt, now=now)
    except (ReviewNever, ReviewNotYet) as exc:
        review_message = exc.message
    exam = attempt.session.exam
    again = None
    if exam.kind != ExamKind.PRACTICE:
        try:
            row = selectors.session_for_user(session_id=attempt.session_id, user=_me(request), now=now)
        except NotFound:
            row = None
        if row is not None and row.state == "open" and (row.my_status.attempts_left or 0) > 0:
            again = row
    context = {
        "attempt": attempt,
        "exam": exam,
        "review_message": review_message,
        "again": again,
    }
    return render(request, "exams/result.html", context)


@require_GET
@login_required
@candidate_page(Overdue.ATTEMPT)
def attempt_review(request: HttpRequest, pk: int) -> HttpResponse:
    attempt = _own_attempt(request, pk)
    now = timezone.now()
    message = ""
    items: list[selectors.ReviewItem] = []
    try:
        items = selectors.attempt_review(attempt=attempt, now=now)
    except (ReviewNever, ReviewNotYet) as exc:
        message = exc.message
    context = {
        "attempt": attempt,
        "exam": attempt.session.exam,
        "message": message,
        "items": items,
        "wrong": sum(1 for item in items if item.is_correct is False),
        "withheld": sum(1 for item in items if item.withheld),
    }
    return render(request, "exams/review.html", context)


# ---------------------------------------------------------------- 错题本


@require_GET
@login_required
@candidate_page(Overdue.MINE)
def mistakes(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    categories = law_area_choices()
    labels = dict(categories)
    if category not in labels:
        category = ""
    user, now = _me(request), timezone.now()
    items = [
        (mistake, labels.get(mistake.category, mistake.category))
        for mistake in selectors.mistakes_for_user(user=user, now=now, category=category or None)
    ]
    context = {"items": items, "category": category, "categories": categories}
    return render(request, "exams/mistakes.html", context)


# ---------------------------------------------------------------- practice


@require_GET
@login_required
@candidate_page(Overdue.MINE)
def practice(request: HttpRequest) -> HttpResponse:
    user, now = _me(request), timezone.now()
    context = {
        "exams": selectors.practice_exams(),
        "attempts": selectors.practice_attempts(user=user, now=now),
    }
    return render(request, "exams/practice.html", context)


@require_POST
@login_required
@candidate_page(Overdue.SERVICE)
def practice_start(request: HttpRequest) -> HttpResponse:
    raw = request.POST.get("exam", "")
    exam_id = ascii_int(raw)
    try:
        result = services.practice_start(candidate=_me(request), exam_id=exam_id, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("exams:practice")
    return redirect("exams:attempt", pk=result.attempt.pk)


# ---------------------------------------------------------------- the administrators' live board


class ExtraTimeForm(forms.Form):
    attempt = forms.TypedChoiceField(label=gettext_lazy("考生"), coerce=int)
    minutes = forms.IntegerField(
        label=gettext_lazy("延长分钟数"), min_value=1, max_value=MAX_EXTRA_MINUTES, initial=10
    )
    reason = forms.CharField(label=gettext_lazy("原因"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, attempts: list[BoardAttempt], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["attempt"])
        field.choices = [("", _("请选择答题中的考生"))] + [
            (
                row.attempt,
                _("%(name)s（%(no)s，%(department)s）截止 %(deadline)s")
                % {
                    "name": row.candidate_name,
                    "no": row.employee_no,
                    "department": row.department,
                    "deadline": date_format(timezone.localtime(row.deadline), "H:i"),
                },
            )
            for row in attempts
        ]


def _board_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    try:
        session = selectors.session_with_exam(session_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    board = selectors.session_board(session=session, now=timezone.now())
    return {"session": session, "board": board, "refresh_seconds": BOARD_REFRESH_SECONDS}


@require_GET
@admin_required
def board(request: HttpRequest, pk: int) -> HttpResponse:
    context = _board_context(request, pk)
    chosen = request.GET.get("attempt", "")
    context["form"] = ExtraTimeForm(
        attempts=context["board"].attempts_in_progress,
        initial={"attempt": ascii_int(chosen)} if ascii_int(chosen) is not None else {},
    )
    return render(request, "exams/board.html", context)


@require_GET
@admin_required
def board_live(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "exams/_board_live.html", _board_context(request, pk))


@require_POST
@admin_required
def board_extra_time(request: HttpRequest, pk: int) -> HttpResponse:
    context = _board_context(request, pk)
    form = ExtraTimeForm(request.POST, attempts=context["board"].attempts_in_progress)
    context["form"] = form
    if form.is_valid():
        try:
            grant = services.attempt_extra_time_grant(
                attempt_id=form.cleaned_data["attempt"],
                minutes=form.cleaned_data["minutes"],
                reason=form.cleaned_data["reason"],
                actor=_me(request),
                now=timezone.now(),
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            name = next(
                row.candidate_name
                for row in context["board"].attempts_in_progress
                if row.attempt == grant.attempt_id
            )
            messages.success(
                request,
                _("已为%(name)s延长 %(minutes)s 分钟，新的截止时间为 %(deadline)s。")
                % {
                    "name": name,
                    "minutes": grant.minutes,
                    "deadline": date_format(timezone.localtime(grant.deadline_after), "H:i"),
                },
            )
            return HttpResponseRedirect(reverse("exams:board", args=[pk]))
    return render(request, "exams/board.html", context, status=400)
