"""Web pages: the course catalogue, lesson reading, my plan and hours, activities and the monthly check."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError, ValidationFailed
from common.params import ascii_int
from common.qr import qr_svg
from people.models import User
from people.permissions import admin_required
from people.scope import is_exam_admin, is_leader

from . import selectors, services
from .forms import ActivityForm, BulkAttendeesForm, SignInCodeForm, SignInOpenForm
from .models import ActivityKind, ActivitySignIn, AttendanceMethod, StudyActivity
from .reading import READING_CHARS_PER_MINUTE, lesson_characters, lesson_required_seconds
from .richtext import render_lesson_body
from .services.progress import HEARTBEAT_CAP_SECONDS
from .throttling import sign_in_code_try

# How often the lesson page beats (seconds) and how long after the last scroll, key or touch the
# reader still counts as active. The server credits at most HEARTBEAT_CAP_SECONDS per beat.
HEARTBEAT_INTERVAL_SECONDS = 15
ACTIVE_WINDOW_SECONDS = 60


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


def _years_to_pick(today: date) -> list[int]:
    """The years a page's year picker offers: this one and the three before it."""
    return list(range(today.year, today.year - 4, -1))


def _year(request: HttpRequest) -> int:
    year = ascii_int(request.GET.get("year"))
    if year is not None and 2000 <= year <= 2100:
        return year
    return timezone.localdate().year


# ---------------------------------------------------------------- courses


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    courses = list(selectors.course_list_for_user(user=request.user))
    progress = selectors.course_progress_for_user(user=_me(request), courses=courses)
    items = [(course, progress[course.pk]) for course in courses]
    return render(request, "courses/catalogue.html", {"items": items})


@login_required
def course_detail(request: HttpRequest, pk: int) -> HttpResponse:
    course = selectors.course_for_user(user=request.user, course_id=pk)
    # Completing here too catches a course whose last step (its quiz) was done elsewhere.
    services.course_check_completion(course=course, user=_me(request), now=timezone.now())
    lessons = list(course.lessons.all())
    lesson_progress = selectors.lesson_progress_for_user(user=_me(request), lessons=lessons)
    context = {
        "course": course,
        "progress": selectors.course_progress_for_user(user=_me(request), courses=[course])[course.pk],
        "lessons": [(lesson, lesson_progress.get(lesson.pk)) for lesson in lessons],
    }
    return render(request, "courses/course_detail.html", context)


@login_required
@require_POST
def quiz_start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start (or resume) the course's quiz and hand over to the exam engine's attempt page."""
    course = selectors.course_for_user(user=request.user, course_id=pk)
    try:
        result = services.course_quiz_start(course=course, user=_me(request), now=timezone.now())
    except DomainError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("courses:course_detail", args=[pk]))
    return HttpResponseRedirect(reverse("exams:attempt", args=[result.attempt.pk]))


@login_required
def lesson_read(request: HttpRequest, pk: int) -> HttpResponse:
    lesson = selectors.lesson_for_user(user=request.user, lesson_id=pk)
    progress = selectors.lesson_progress_for_user(user=_me(request), lessons=[lesson]).get(lesson.pk)
    before, after = selectors.lesson_neighbours(lesson=lesson)
    context = {
        "lesson": lesson,
        "course": lesson.course,
        "body": render_lesson_body(lesson.body),
        "progress": progress,
        "seconds_spent": progress.seconds_spent if progress else 0,
        "required_seconds": lesson_required_seconds(lesson),
        "characters": lesson_characters(lesson),
        "reading_speed": READING_CHARS_PER_MINUTE,
        "completed": bool(progress and progress.completed_at),
        "previous": before,
        "next": after,
        "heartbeat_url": reverse("lesson-heartbeat", args=[lesson.pk]),
        "interval": getattr(settings, "COURSES_HEARTBEAT_INTERVAL_SECONDS", HEARTBEAT_INTERVAL_SECONDS),
        "active_window": ACTIVE_WINDOW_SECONDS,
        "cap": HEARTBEAT_CAP_SECONDS,
    }
    return render(request, "courses/lesson.html", context)


# ---------------------------------------------------------------- my plan and hours


@login_required
def my_study(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    today = timezone.localdate()
    context = {
        "year": year,
        "years": _years_to_pick(today),
        "plan": selectors.personal_plan(person=_me(request), year=year, today=today),
        "entries": list(selectors.study_hours_ledger(person=_me(request), year=year)),
    }
    return render(request, "courses/my_study.html", context)


# ---------------------------------------------------------------- activities (administrators)


@admin_required
def activity_list(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    activities = selectors.activity_list_for_user(user=request.user).filter(held_on__year=year)
    kind = request.GET.get("kind", "")
    if kind in ActivityKind.values:
        activities = activities.filter(kind=kind)
    today = timezone.localdate()
    context = {
        "activities": activities,
        "year": year,
        "years": _years_to_pick(today),
        "kind": kind,
        "kinds": ActivityKind.choices,
    }
    return render(request, "courses/activity_list.html", context)


def _show_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@admin_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    form = ActivityForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            activity = services.activity_create(
                data=services.ActivityIn.from_values(form.cleaned_data), actor=_me(request)
            )
        except ValidationFailed as error:
            _show_error(form, error)
        else:
            messages.success(request, _("已登记活动，请登记参加人员。"))
            return HttpResponseRedirect(reverse("courses:activity_detail", args=[activity.pk]))
    return render(request, "courses/activity_form.html", {"form": form, "activity": None})


@admin_required
@require_http_methods(["GET", "POST"])
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=pk)
    form = ActivityForm(request.POST or None, instance=activity, prefix="activity")
    attendees_form = BulkAttendeesForm(prefix="attendees")
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_update(
                activity=activity, data=services.ActivityIn.from_values(form.cleaned_data)
            )
        except ValidationFailed as error:
            _show_error(form, error)
        else:
            messages.success(request, _("已保存。"))
            return HttpResponseRedirect(reverse("courses:activity_detail", args=[pk]))
    return _activity_page(request, activity, form, attendees_form)


def _activity_page(
    request: HttpRequest, activity: StudyActivity, form: ActivityForm, attendees_form: BulkAttendeesForm
) -> HttpResponse:
    context = {
        "activity": activity,
        "form": form,
        "attendees_form": attendees_form,
        "sign_in_form": SignInOpenForm(),
        "attendance": selectors.attendance_for_user(user=request.user, activity=activity),
        "open_sign_in": activity.sign_ins.filter(expires_at__gt=timezone.now()).first(),
    }
    return render(request, "courses/activity_form.html", context)


@admin_required
@require_POST
def activity_attendees_add(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=pk)
    attendees_form = BulkAttendeesForm(request.POST, prefix="attendees")
    if attendees_form.is_valid():
        numbers = [
            n for n in re.split(r"[\s,，、;；]+", attendees_form.cleaned_data["employee_nos"] or "") if n
        ]
        people = list(User.objects.filter(employee_no__in=numbers))
        unknown = sorted(set(numbers) - {person.employee_no for person in people})
        if unknown:
            attendees_form.add_error("employee_nos", _("没有这些工号：%(nos)s") % {"nos": "、".join(unknown)})
        else:
            departments = attendees_form.cleaned_data["departments"]
            added = services.activity_attendees_add(
                activity=activity,
                people=people,
                departments=departments,
                method=AttendanceMethod.BULK if departments else AttendanceMethod.MANUAL,
                actor=_me(request),
            )
            messages.success(
                request, _("新登记 %(n)s 人，每人记 %(h)s 学时。") % {"n": added, "h": activity.hours}
            )
            return HttpResponseRedirect(reverse("courses:activity_detail", args=[pk]) + "#attendees")
    return _activity_page(
        request, activity, ActivityForm(instance=activity, prefix="activity"), attendees_form
    )


@admin_required
@require_POST
def activity_attendee_remove(request: HttpRequest, pk: int, person_id: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=pk)
    person = get_object_or_404(User, pk=person_id)
    if services.activity_attendee_remove(activity=activity, person=person):
        messages.success(request, _("已移除 %(name)s，并扣回其学时。") % {"name": person.display_name})
    return HttpResponseRedirect(reverse("courses:activity_detail", args=[pk]) + "#attendees")


@admin_required
@require_POST
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=pk)
    services.activity_delete(activity=activity)
    messages.success(request, _("已删除活动，参加人员的相应学时已扣回。"))
    return HttpResponseRedirect(reverse("courses:activity_list"))


@admin_required
@require_POST
def activity_sign_in_open(request: HttpRequest, pk: int) -> HttpResponse:
    activity = selectors.activity_for_user(user=request.user, activity_id=pk)
    form = SignInOpenForm(request.POST)
    minutes = form.cleaned_data["minutes"] if form.is_valid() else 30
    sign_in = services.activity_sign_in_open(
        activity=activity, actor=_me(request), now=timezone.now(), minutes=minutes
    )
    return HttpResponseRedirect(reverse("courses:sign_in_sheet", args=[sign_in.pk]))


@admin_required
def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """What the administrator shows on the screen during the event: the link (a QR code) and the code."""
    sign_in = get_object_or_404(ActivitySignIn.objects.select_related("activity"), pk=pk)
    url = request.build_absolute_uri(reverse("courses:sign_in", args=[sign_in.token]))
    context = {
        "sign_in": sign_in,
        "activity": sign_in.activity,
        "url": url,
        "qr": mark_safe(qr_svg(url, scale=8)),
        "expired": sign_in.expires_at <= timezone.now(),
        "attendee_count": sign_in.activity.attendance.count(),
    }
    return render(request, "courses/sign_in_sheet.html", context)


# ---------------------------------------------------------------- signing in (staff)


@login_required
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    """Type the six-digit code shown at the event."""
    form = SignInCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = sign_in_code_try(request)
        if wait is not None:
            form.add_error("code", _("签到码尝试次数过多，请 %(seconds)s 秒后再试。") % {"seconds": wait})
            return render(request, "courses/sign_in_code.html", {"form": form}, status=429)
        sign_in = selectors.sign_in_by_code(code=form.cleaned_data["code"], now=timezone.now())
        if sign_in is None:
            form.add_error("code", _("签到码不正确或签到已截止。"))
        else:
            return HttpResponseRedirect(reverse("courses:sign_in", args=[sign_in.token]))
    return render(request, "courses/sign_in_code.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest, token: str) -> HttpResponse:
    """The page the QR code opens. Signing in takes a tap, so a link preview cannot sign anyone in."""
    sign_in = selectors.sign_in_by_token(token=token)
    activity = sign_in.activity
    attended = activity.attendance.filter(person=_me(request)).exists()
    error = ""
    if request.method == "POST":
        try:
            _attendance, created = services.activity_sign_in(
                sign_in=sign_in, person=_me(request), now=timezone.now()
            )
        except DomainError as failure:
            error = failure.message
        else:
            if created:
                messages.success(request, _("签到成功，已记 %(h)s 学时。") % {"h": activity.hours})
            return HttpResponseRedirect(reverse("courses:sign_in", args=[token]))
    context = {
        "activity": activity,
        "sign_in": sign_in,
        "attended": attended,
        "expired": sign_in.expires_at <= timezone.now(),
        "error": error,
    }
    return render(request, "courses/sign_in.html", context)


# ---------------------------------------------------------------- the monthly 会前学法 check


@login_required
def pre_meeting_check(request: HttpRequest) -> HttpResponse:
    """The bureau-level monthly check (see ``selectors.pre_meeting_check``): administrators and leaders only."""
    if not (is_exam_admin(request.user) or is_leader(request.user)):
        raise Http404
    year = _year(request)
    today = timezone.localdate()
    months = selectors.pre_meeting_check(year=year, today=today)
    context = {
        "year": year,
        "years": _years_to_pick(today),
        "months": months,
        "held": sum(1 for month in months if month.held),
        "missing": [month for month in months if month.state == "missing"],
    }
    return render(request, "courses/pre_meeting_check.html", context)
