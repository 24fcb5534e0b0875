from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LawplatformConfig(AppConfig):
    name = "lawplatform"
    verbose_name = _("平台")
