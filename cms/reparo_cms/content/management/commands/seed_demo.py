"""``manage.py seed_demo``: an editor account and a little content for the local demo."""

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from reparo_cms.content.demo import seed_demo_content
from reparo_cms.content.models import ArticleIndexPage
from reparo_cms.wechat_import.models import WeChatSource


class Command(BaseCommand):
    help = (
        "Create the demo editor (CMS_ADMIN_USERNAME, CMS_ADMIN_PASSWORD or a generated password, "
        "printed) and demo pages. Safe to run again."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self._seed_editor()
        created = seed_demo_content()
        self.stdout.write("demo content created" if created else "demo content already present")
        self._seed_wechat_account()

    def _seed_editor(self) -> None:
        username = os.environ.get("CMS_ADMIN_USERNAME", "editor")
        password = os.environ.get("CMS_ADMIN_PASSWORD", "")
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is not None and not password:
            self.stdout.write(f"editor '{username}' exists; password unchanged")
            return
        password = password or secrets.token_urlsafe(12)
        if user is None:
            user = user_model.objects.create_superuser(
                username, f"{username}@example.com", password
            )
        else:
            user.set_password(password)
            user.save(update_fields=["password"])
        self.stdout.write(f"Wagtail admin: /cms/admin/  user: {username}  password: {password}")

    def _seed_wechat_account(self) -> None:
        """The service's own official account (``WECHAT_APPID``, the sandbox locally) as an
        import source, its schedule off: an editor imports with "Import now"."""
        appid = os.environ.get("WECHAT_APPID", "")
        index = ArticleIndexPage.objects.first()
        if not appid or index is None or WeChatSource.objects.filter(appid=appid).exists():
            return
        WeChatSource.objects.create(name="Reparo 服务号", appid=appid, article_index=index)
        self.stdout.write(f"WeChat import: account {appid} added (schedule off)")
