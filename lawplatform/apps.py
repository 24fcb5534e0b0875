from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawplatformConfig(AppConfig):
    name = "lawplatform"
    verbose_name = _("平台")

    def ready(self) -> None:
        from common.home import register_nav_link
        from people.scope import is_exam_admin

        register_nav_link(title=_("管理工作台"), url_name="manage", visible=is_exam_admin)
