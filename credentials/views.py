"""Web pages of credentials: my credential, a credential's page and certificate (HTML and PDF), the
register for leaders and administrators (search, filters, .xlsx), the lifecycle forms, bulk grant,
the annual review, and the public verification page. Thin: the rules are in ``services`` and
``selectors``; every page reads through a selector limited to what the user may see.

The verification page (``/verify/<token>/``) needs no login and shows only the number, the holder's
name, the department, the status and the validity dates; an unknown and a malformed token get the
same "not found". It is throttled per client (``DEFAULT_THROTTLE_RATES["verify"]``) and answers JSON
to ``Accept: application/json`` or ``?format=json``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework.throttling import SimpleRateThrottle

from common.errors import DomainError
from common.qr import qr_svg
from people.models import Department, User
from people.permissions import admin_required
from people.scope import is_exam_admin, is_leader, visible_departments

from . import certificate, register, selectors, services
from .links import verify_url
from .models import AnnualReview, CredentialStatus, ReviewStanding
from .selectors import CredentialFilters

PAGE_SIZE = 50


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


# ---------------------------------------------------------------- staff


@require_GET
@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """My credentials: the current one first, then the history."""
    credentials = selectors.credentials_of(person=_me(request))
    return render(
        request,
        "credentials/mine.html",
        {
            "credentials": credentials,
            "may_enforce": selectors.may_enforce(person=_me(request)),
            "can_read_register": is_exam_admin(request.user) or is_leader(request.user),
        },
    )


@require_GET
@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    credential = selectors.credential_for_user(user=request.user, credential_id=pk)
    admin = is_exam_admin(request.user)
    return render(
        request,
        "credentials/detail.html",
        {
            "credential": credential,
            "events": selectors.credential_events(credential=credential)
            if admin or credential.holder_id != request.user.pk or is_leader(request.user)
            else [],
            "may_enforce": selectors.may_enforce(person=credential.holder),
            "is_admin": admin,
            "reason_form": ReasonForm(),
            "verify_url": verify_url(credential, request=request),
        },
    )


@require_GET
@login_required
def certificate_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable A4 certificate."""
    credential = selectors.credential_for_user(user=request.user, credential_id=pk)
    url = verify_url(credential, request=request)
    return render(
        request,
        "credentials/certificate.html",
        {
            "credential": credential,
            "text": certificate.certificate_text(credential),
            "qr": qr_svg(url),
            "verify_url": url,
        },
    )


@require_GET
@login_required
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    credential = selectors.credential_for_user(user=request.user, credential_id=pk)
    pdf = certificate.certificate_pdf(credential, verify_url=verify_url(credential, request=request))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{credential.number}.pdf"'
    return response


# ---------------------------------------------------------------- the register


class RegisterFilterForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=gettext_lazy("状态"), required=False, choices=[("", "—"), *CredentialStatus.choices]
    )
    review_standing = forms.ChoiceField(
        label=gettext_lazy("年审"), required=False, choices=[("", "—"), *ReviewStanding.choices]
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("单位（含下级）"), required=False, queryset=Department.objects.none()
    )
    expiring_before = forms.DateField(
        label=gettext_lazy("在此日期前到期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    flagged = forms.BooleanField(label=gettext_lazy("只看待处理"), required=False)
    current = forms.BooleanField(label=gettext_lazy("不含已换发"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["department"])
        field.queryset = visible_departments(user).order_by("path")

    def filters(self) -> CredentialFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CredentialFilters(
            status=data.get("status") or None,
            department=data.get("department"),
            expiring_before=data.get("expiring_before"),
            review_standing=data.get("review_standing") or None,
            flagged=True if data.get("flagged") else None,
            search=data.get("q") or "",
            current_only=bool(data.get("current")),
        )


def _register_reader(request: HttpRequest) -> None:
    if not (is_exam_admin(request.user) or is_leader(request.user)):
        raise PermissionDenied


@require_GET
@login_required
def register_list(request: HttpRequest) -> HttpResponse:
    """The register: administrators see every credential, leaders their scope's."""
    _register_reader(request)
    form = RegisterFilterForm(request.GET or None, user=request.user)
    credentials = selectors.credential_list_for_user(user=request.user, filters=form.filters())
    if request.GET.get("format") == "xlsx":
        return register.register_xlsx_response(credentials, request=request)
    page = Paginator(credentials, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "credentials/register.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "figures": selectors.credential_figures(user=request.user),
            "is_admin": is_exam_admin(request.user),
        },
    )


# ---------------------------------------------------------------- administrators' acts


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


TRANSITIONS = {
    "suspend": (services.credential_suspend, gettext_lazy("已暂扣执法资格 %(number)s。")),
    "restore": (services.credential_restore, gettext_lazy("已恢复执法资格 %(number)s。")),
    "revoke": (services.credential_revoke, gettext_lazy("已吊销执法资格 %(number)s。")),
}


@require_POST
@admin_required
def transition(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    if act not in TRANSITIONS:
        raise PermissionDenied
    credential = selectors.credential_for_user(user=request.user, credential_id=pk)
    service, done = TRANSITIONS[act]
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写原因。"))
    else:
        try:
            service(
                credential_id=credential.pk,
                reason=form.cleaned_data["reason"],
                actor=_me(request),
                now=timezone.now(),
            )
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, str(done) % {"number": credential.number})
    return HttpResponseRedirect(reverse("credentials:detail", args=[credential.pk]))


@require_http_methods(["GET", "POST"])
@admin_required
def bulk_grant(request: HttpRequest) -> HttpResponse:
    """Pick a closed qualification session, see who would be granted, then grant them."""
    now = timezone.now()
    sessions = selectors.closed_qualification_sessions(now=now)
    session = None
    pending: list[Any] = []
    raw = request.POST.get("session") or request.GET.get("session")
    if raw and raw.isdigit():
        session = get_object_or_404(sessions, pk=int(raw))
        pending = selectors.bulk_grant_preview(session=session)
    if request.method == "POST" and session is not None:
        try:
            granted = services.session_grant_all(session_id=session.pk, actor=_me(request), now=now)
        except DomainError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("已授予 %(n)s 人执法资格。") % {"n": granted})
        return HttpResponseRedirect(reverse("credentials:bulk_grant") + f"?session={session.pk}")
    return render(
        request,
        "credentials/bulk_grant.html",
        {"sessions": sessions[:100], "session": session, "pending": pending},
    )


# ---------------------------------------------------------------- annual review


class ReviewScheduleForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)
    review_on = forms.DateField(
        label=gettext_lazy("年审日期"), widget=forms.DateInput(attrs={"type": "date"})
    )


@require_http_methods(["GET", "POST"])
@admin_required
def reviews(request: HttpRequest) -> HttpResponse:
    """Schedule a year's review, run it now, see who passes and who falls short, record a making good."""
    now = timezone.now()
    form = ReviewScheduleForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST":
        action = request.POST.get("action", "schedule")
        try:
            if action == "schedule" and form.is_valid():
                review = services.review_schedule(
                    year=form.cleaned_data["year"],
                    review_on=form.cleaned_data["review_on"],
                    actor=_me(request),
                )
                messages.success(request, _("已设定 %(year)s 年度年审日期。") % {"year": review.year})
            elif action == "run":
                review = get_object_or_404(AnnualReview, pk=request.POST.get("review"))
                result = services.review_run(review_id=review.pk, now=now, actor=_me(request))
                messages.success(
                    request,
                    _("年审完成：合格 %(passed)s 人，不合格 %(failed)s 人。")
                    % {"passed": result.passed, "failed": result.failed},
                )
            elif action == "make_good":
                services.review_make_good(
                    result_id=int(request.POST.get("result", "0")),
                    reason=request.POST.get("reason", ""),
                    actor=_me(request),
                    now=now,
                )
                messages.success(request, _("已登记年审补正。"))
        except DomainError as refusal:
            messages.error(request, refusal.message)
        except (ValueError, InvalidOperation):
            messages.error(request, _("请求无效。"))
        if action != "schedule" or form.is_valid():
            return HttpResponseRedirect(reverse("credentials:reviews") + _year_query(request))
    year_reviews = list(AnnualReview.objects.order_by("-year")[:10])
    selected = _selected_review(request, year_reviews)
    return render(
        request,
        "credentials/reviews.html",
        {
            "form": form,
            "reviews": year_reviews,
            "review": selected,
            "results": selectors.review_results(review=selected, user=request.user) if selected else [],
            "default_hours": Decimal(services.reviews.default_review_hours()),
        },
    )


def _year_query(request: HttpRequest) -> str:
    year = request.POST.get("year") or request.GET.get("year")
    return f"?year={year}" if year and str(year).isdigit() else ""


def _selected_review(request: HttpRequest, year_reviews: list[AnnualReview]) -> AnnualReview | None:
    year = request.GET.get("year")
    for review in year_reviews:
        if year and str(review.year) == year:
            return review
    return year_reviews[0] if year_reviews else None


# ---------------------------------------------------------------- public verification


class VerifyThrottle(SimpleRateThrottle):
    """Per client address, whoever is signed in: the page is public."""

    scope = "verify"

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


def _wants_json(request: HttpRequest) -> bool:
    return request.GET.get("format") == "json" or "application/json" in request.headers.get("Accept", "")


@require_GET
def verify(request: HttpRequest, token: str) -> HttpResponse:
    throttle = VerifyThrottle()
    if not throttle.allow_request(cast(Any, request), cast(Any, None)):
        wait = int(throttle.wait() or 60)
        body = {"detail": _("查询过于频繁，请 %(n)s 秒后再试。") % {"n": wait}, "code": "throttled"}
        if _wants_json(request):
            response: HttpResponse = JsonResponse(body, status=429)
        else:
            response = render(request, "credentials/verify.html", {"throttled": body["detail"]}, status=429)
        response["Retry-After"] = str(wait)
        return response
    credential = selectors.credential_by_token(token=token)
    if credential is None:
        body = {"detail": _("未找到该证书。"), "code": "not_found"}
        if _wants_json(request):
            return JsonResponse(body, status=404)
        return render(request, "credentials/verify.html", {"not_found": body["detail"]}, status=404)
    public = verification_fields(credential, today=timezone.localdate())
    if _wants_json(request):
        return JsonResponse(public)
    return render(request, "credentials/verify.html", {"public": public})


def verification_fields(credential: Any, *, today: date) -> dict[str, Any]:
    """All that the public page tells about a credential, and nothing else about the person."""
    holder = credential.holder
    return {
        "number": credential.number,
        "holder_name": holder.name or holder.get_full_name(),
        "department": holder.department.name if holder.department is not None else "",
        "status": credential.status,
        "status_display": str(CredentialStatus(credential.status).label),
        "valid_from": credential.valid_from.isoformat(),
        "valid_until": credential.valid_until.isoformat(),
    }
