from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from common.home import register_nav_link

        from .selectors.common import remember_leadership, shows_reports_link

        user_logged_in.connect(
            lambda sender, request, user, **kwargs: remember_leadership(user),
            dispatch_uid="reports_remember_leadership",
            weak=False,
        )
        register_nav_link(title=_("报表"), url_name="reports:dashboard", visible=shows_reports_link)
