from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from common.home import register_nav_link

        from .models import AnnualFiguresSnapshot
        from .selectors import may_read_reports

        auditlog.register(AnnualFiguresSnapshot)
        register_nav_link(title=_("报表"), url_name="reports:dashboard", visible=may_read_reports)
