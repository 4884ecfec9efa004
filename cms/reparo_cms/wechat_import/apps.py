from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WeChatImportConfig(AppConfig):
    """Article imports from the WeChat official account."""

    name = "reparo_cms.wechat_import"
    label = "wechat_import"
    verbose_name = _("WeChat import")
