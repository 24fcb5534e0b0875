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
