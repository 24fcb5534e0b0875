"""Web pages of the reminders: the inbox (everyone), the rules with their preview (administrators),
and nudge now (leaders and administrators; the reports pages link to it by URL:
``/reminders/nudge/?session=<id>``, ``?plan=<id>`` or ``?credentials=at_risk`` (or one reason a
credential is at risk: ``expiring``, ``suspended``, ``review_failed``, ``not_enforcing``)). Thin: the
rules are in ``reminders.services``."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from common.errors import DomainError
from people.models import User
from people.permissions import admin_required
from people.scope import is_exam_admin, is_leader

from . import selectors, services
from .forms import RuleForm
from .models import Target
from .tasks import start_soon


def _me(request: HttpRequest) -> User:
    return cast(User, request.user)


# ---------------------------------------------------------------- inbox


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notifications_for(person=_me(request)), 30).get_page(request.GET.get("page"))
    return render(request, "reminders/inbox.html", {"page": page})


@login_required
def inbox_unread(request: HttpRequest) -> HttpResponse:
    """The navigation's unread badge, fetched by every page after it loads (so pages cost no query for it)."""
    count = selectors.unread_count(person=_me(request))
    return render(request, "reminders/_unread.html", {"count": count})


@login_required
@require_POST
def inbox_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = services.notification_mark_read(
        person=_me(request), notification_id=pk, now=timezone.now()
    )
    if request.POST.get("follow") and notification.url.startswith("/"):
        return redirect(notification.url)
    return redirect("reminders:inbox")


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(person=_me(request), now=timezone.now())
    messages.success(request, _("已将 %(n)s 条消息标为已读。") % {"n": count})
    return redirect("reminders:inbox")


# ---------------------------------------------------------------- rules (administrators)


@admin_required
def rules(request: HttpRequest) -> HttpResponse:
    target = request.GET.get("target") or None
    context = {
        "rules": selectors.rule_list(target=target if target in Target.values else None),
        "targets": Target.choices,
        "target": target,
        "failed": selectors.failed_deliveries(limit=20),
        "failed_posts": selectors.failed_webhook_posts(),
    }
    return render(request, "reminders/rules.html", context)


def _rule_form_page(request: HttpRequest, form: RuleForm, rule: Any = None) -> HttpResponse:
    return render(request, "reminders/rule_form.html", {"form": form, "rule": rule})


@admin_required
def rule_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RuleForm(request.POST)
        if form.is_valid():
            rule = form.save_rule(actor=_me(request))
            messages.success(request, _("已添加提醒规则。"))
            return redirect("reminders:rule", rule.pk)
        return _rule_form_page(request, form)
    initial = {
        key: request.GET[key] for key in ("event", "session", "plan", "activity") if key in request.GET
    }
    return _rule_form_page(request, RuleForm(initial=initial))


@admin_required
def rule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(rule_id=pk)
    if request.method == "POST":
        form = RuleForm(request.POST, instance=rule)
        if form.is_valid():
            form.save_rule(actor=_me(request))
            messages.success(request, _("已保存提醒规则。"))
            return redirect("reminders:rule", rule.pk)
    else:
        form = RuleForm(instance=rule)
    context = {"form": form, "rule": rule, "occasions": selectors.rule_occasions(rule=rule)}
    return render(request, "reminders/rule_form.html", context)


@admin_required
def rule_preview(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(rule_id=pk)
    preview = selectors.rule_preview(rule=rule, now=timezone.now())
    return render(request, "reminders/preview.html", {"rule": rule, "preview": preview})


@admin_required
@require_POST
def rule_pause(request: HttpRequest, pk: int) -> HttpResponse:
    rule = selectors.rule_get(rule_id=pk)
    active = request.POST.get("active") == "1"
    services.rule_set_active(rule=rule, is_active=active)
    messages.success(request, _("已恢复该规则。") if active else _("已暂停该规则。"))
    return redirect("reminders:rule", rule.pk)


@admin_required
@require_POST
def rule_delete(request: HttpRequest, pk: int) -> HttpResponse:
    services.rule_delete(rule=selectors.rule_get(rule_id=pk))
    messages.success(request, _("已删除提醒规则。"))
    return redirect("reminders:rules")


# ---------------------------------------------------------------- nudge now


# The headline of a credentials nudge, by its target (``services.CREDENTIAL_TARGETS``).
CREDENTIAL_LABELS = {
    "at_risk": gettext_lazy("执法资格有风险人员"),
    "expiring": gettext_lazy("执法证即将到期人员"),
    "suspended": gettext_lazy("执法证被暂扣人员"),
    "review_failed": gettext_lazy("年审不合格人员"),
    "not_enforcing": gettext_lazy("不得执法的执法人员"),
}


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 19 else None


@login_required
def nudge(request: HttpRequest) -> HttpResponse:
    """GET shows what a nudge would do (count and text); POST with ``confirm`` sends it."""
    me = _me(request)
    if not (is_exam_admin(me) or is_leader(me)):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    session_id, plan_id = _int(source.get("session")), _int(source.get("plan"))
    credentials = source.get("credentials") or None
    context: dict[str, Any] = {"session_id": session_id, "plan_id": plan_id, "credentials": credentials}
    now = timezone.now()
    try:
        if request.method == "POST":
            result = services.nudge(
                actor=me, session_id=session_id, plan_id=plan_id, credentials=credentials, now=now
            )
            start_soon(result.occasion.pk)
            messages.success(request, _("已向 %(n)s 人发出催办提醒。") % {"n": result.recipients})
            return redirect(request.get_full_path())
        occasion = services.nudge_occasion(
            actor=me, session_id=session_id, plan_id=plan_id, credentials=credentials, now=now
        )
        context["preview"] = selectors.occasion_preview(occasion)
        context["occasion"] = occasion
        if credentials is not None:
            context["credentials_label"] = CREDENTIAL_LABELS[credentials]
    except DomainError as error:
        context["error"] = error.message
    return render(request, "reminders/nudge.html", context)
