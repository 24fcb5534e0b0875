"""Reminders in the Django admin: rules are written through ``reminders.services`` (checked, audited);
occasions, deliveries and robot posts are read-only records, failures first."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import services
from .forms import RuleForm
from .models import Delivery, Notification, Occasion, ReminderRule, WebhookPost


@admin.register(ReminderRule)
class ReminderRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    # One datetime input, as on the app's own rule page.
    formfield_overrides = {
        models.DateTimeField: {
            "form_class": forms.DateTimeField,
            "widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        }
    }
    list_display = ["title", "target", "event", "session", "plan", "activity", "offset_minutes", "is_active"]
    list_filter = ["target", "event", "is_active", "is_default"]
    search_fields = ["title", "session__title", "plan__title", "activity__title"]
    autocomplete_fields = ["departments"]
    raw_id_fields = ["session", "plan", "activity"]
    actions = ["pause", "resume"]

    def save_model(self, request: HttpRequest, obj: ReminderRule, form: Any, change: bool) -> None:
        rule = form.save_rule(actor=request.user)
        obj.pk, obj.created_at = rule.pk, rule.created_at

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service set the departments already."""

    def delete_model(self, request: HttpRequest, obj: ReminderRule) -> None:
        services.rule_delete(rule=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            services.rule_delete(rule=rule)

    @admin.action(description=_("暂停所选规则"))
    def pause(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            services.rule_set_active(rule=rule, is_active=False)
        self.message_user(request, _("已暂停 %(n)s 条规则。") % {"n": queryset.count()}, messages.SUCCESS)

    @admin.action(description=_("恢复所选规则"))
    def resume(self, request: HttpRequest, queryset: Any) -> None:
        for rule in queryset:
            services.rule_set_active(rule=rule, is_active=True)
        self.message_user(request, _("已恢复 %(n)s 条规则。") % {"n": queryset.count()}, messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Occasion)
class OccasionAdmin(ReadOnlyAdmin):
    list_display = ["title", "event", "due_at", "rule", "actor", "planned_at"]
    list_filter = ["event"]
    date_hierarchy = "due_at"


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Failed rows (given up after the last retry) are what an administrator looks for: filter by status."""

    list_display = ["occasion", "person", "channel", "status", "tries", "sent_at", "next_try_at", "error"]
    list_filter = ["status", "channel"]
    search_fields = ["person__name", "person__username", "occasion__title"]
    list_select_related = ["occasion", "person"]
    raw_id_fields = ["occasion", "person"]


@admin.register(WebhookPost)
class WebhookPostAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "occasion", "recipients", "ok", "error"]
    list_filter = ["ok"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["person", "title", "created_at", "read_at"]
    search_fields = ["person__name", "person__username", "title"]
    raw_id_fields = ["person", "delivery"]
