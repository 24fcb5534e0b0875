from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = _("人员与单位")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Department, User

        auditlog.register(
            User,
            exclude_fields=["password", "last_login"],
            m2m_fields={"groups", "leader_of"},
        )
        auditlog.register(Department, exclude_fields=["path", "depth"])

        from common.workspace import register_workspace_section

        register_workspace_section(
            title=_("花名册"),
            description=_("单位树和人员，导入花名册"),
            url_name="people_manage:roster",
            order=40,
        )
