from typing import Any

from auditlog.admin import LogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Heartbeat

admin.site.site_header = _("学法考试平台 管理后台")
admin.site.site_title = _("学法考试平台")
admin.site.index_title = _("管理")


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]


admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditLogEntryAdmin(LogEntryAdmin):
    """django-auditlog's admin, with the one column title it leaves out of translation."""

    @admin.display(description=_("Correlation ID"))
    def cid_url(self, obj: LogEntry) -> Any:
        return super().cid_url(obj)
