from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from common.home import register_nav_link

        from .models import AnnualFiguresSnapshot
        from .selectors.common import shows_reports_link

        auditlog.register(AnnualFiguresSnapshot)

        from django.contrib.auth.signals import user_logged_in

        from .selectors.common import remember_leadership

        user_logged_in.connect(
            lambda sender, request, user, **kwargs: remember_leadership(user),
            dispatch_uid="reports_remember_leadership",
            weak=False,
        )
        register_nav_link(title=_("报表"), url_name="reports:dashboard", visible=shows_reports_link)
