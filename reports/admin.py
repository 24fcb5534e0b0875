"""The published year's figures in the admin: read-only (they are published from the reports page or
the API, so that who published them and when is recorded by the service)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AnnualFiguresSnapshot


@admin.register(AnnualFiguresSnapshot)
class AnnualFiguresSnapshotAdmin(admin.ModelAdmin):
    list_display = ["year", "published_at", "published_by_name"]
    list_filter = ["year"]
    readonly_fields = ["year", "published_at", "published_by", "published_by_name", "figures"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
