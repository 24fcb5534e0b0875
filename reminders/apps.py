from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RemindersConfig(AppConfig):
    name = "reminders"
    verbose_name = _("提醒")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from common.home import register_nav_link
        from people.scope import is_exam_admin

        from .models import ReminderRule

        auditlog.register(ReminderRule, m2m_fields={"departments"})
        register_nav_link(title=_("提醒规则"), url_name="reminders:rules", visible=is_exam_admin)
