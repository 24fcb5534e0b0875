"""The admin of credentials: the register with its state and history, read-only.

Changing a credential's state goes through the lifecycle services (the credential's page and the
API), which ask for a reason and audit it; so here nothing is added, edited or deleted by hand,
except the review settings (hours per bureau) and the review dates.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AnnualReview, Credential, CredentialEvent, ReviewHours, ReviewResult
from .selectors import may_enforce_exists


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CredentialEventInline(ReadOnlyInline):
    model = CredentialEvent
    fields = ("at", "action", "actor", "reason", "before", "after")
    readonly_fields = fields


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "holder",
        "status",
        "review_standing",
        "flagged",
        "enforcing",
        "valid_from",
        "valid_until",
        "session",
    ]
    list_filter = ["status", "review_standing", ("flagged_at", admin.EmptyFieldListFilter), "session"]
    search_fields = ["number", "holder__name", "holder__username", "holder__employee_no"]
    list_select_related = ["holder", "session"]
    readonly_fields = (*(field.name for field in Credential._meta.fields if field.name != "token"), "page")
    exclude = ["token"]
    inlines = [CredentialEventInline]

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).annotate(may_enforce=may_enforce_exists(holder_ref="holder"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("待处理"), boolean=True, ordering="flagged_at")
    def flagged(self, obj: Credential) -> bool:
        return obj.flagged_at is not None

    @admin.display(description=_("持证人可以执法"), boolean=True)
    def enforcing(self, obj: Credential) -> bool:
        return bool(getattr(obj, "may_enforce", False))

    @admin.display(description=_("暂扣、恢复、吊销"))
    def page(self, obj: Credential) -> str:
        return format_html('<a href="{}">{}</a>', reverse("credentials:detail", args=[obj.pk]), obj.number)


@admin.register(CredentialEvent)
class CredentialEventAdmin(admin.ModelAdmin):
    list_display = ["credential", "action", "actor", "at", "reason"]
    list_filter = ["action"]
    search_fields = ["credential__number", "reason"]
    list_select_related = ["credential", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReviewHours)
class ReviewHoursAdmin(admin.ModelAdmin):
    list_display = ["bureau", "required_hours"]
    autocomplete_fields = ["bureau"]


class ReviewResultInline(ReadOnlyInline):
    model = ReviewResult
    fields = ("credential", "required_hours", "earned_hours", "passed", "made_good_at", "made_good_reason")
    readonly_fields = fields


@admin.register(AnnualReview)
class AnnualReviewAdmin(admin.ModelAdmin):
    list_display = ["year", "review_on", "ran_at"]
    readonly_fields = ["ran_at", "created_by"]
    inlines = [ReviewResultInline]
