"""The import's place in the Wagtail admin: accounts, runs, and the two import actions."""

from typing import Any

from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, PageChooserPanel
from wagtail.admin.ui.tables import BooleanColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton, ListingButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from reparo_cms.wechat_import import views
from reparo_cms.wechat_import.models import ImportRun, RunStatus, WeChatSource


class AccountIndexView(generic.IndexView):
    def get_list_buttons(self, instance: WeChatSource) -> list[Any]:
        buttons = super().get_list_buttons(instance)
        if self.request.user.has_perm(views.CAN_IMPORT):
            url = reverse("wechat_import_now", args=[instance.pk])
            buttons.insert(0, ListingButton(_("Import now"), url=url, icon_name="download"))
        return buttons

    @property
    def header_buttons(self) -> list[Any]:
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(views.CAN_IMPORT):
            url = reverse("wechat_import_by_url")
            buttons.append(HeaderButton(_("Import one article by URL"), url=url, icon_name="link"))
        return buttons


class AccountViewSet(ModelViewSet):
    model = WeChatSource
    index_view_class = AccountIndexView
    icon = "site"
    url_prefix = "wechat-import/accounts"
    name = "wechat_import_accounts"
    menu_label = _("Accounts")
    copy_view_enabled = False
    list_display = [
        "name",
        "appid",
        "category",
        "publish_mode",
        BooleanColumn("schedule_enabled", label=_("import on a schedule")),
        "next_run_at",
    ]
    panels = [
        FieldPanel("name"),
        FieldPanel("appid"),
        PageChooserPanel("article_index", page_type="content.ArticleIndexPage"),
        FieldPanel("category"),
        FieldPanel("publish_mode"),
        FieldPanel("schedule_enabled"),
        FieldPanel("interval_minutes"),
    ]


class RunPermissionPolicy(ModelPermissionPolicy):
    """Runs are written by the importer only: editors look at them, nobody edits them."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in ("add", "change", "delete"):
            return False
        return super().user_has_permission(user, action)


class RunInspectView(generic.InspectView):
    template_name = "wechat_import/run_inspect.html"

    def get_errors_display_value(self) -> str:
        errors = self.object.errors or []
        if not errors:
            return "-"
        items = format_html_join(
            "", "<li><strong>{}</strong>: {}</li>", ((e["where"], e["message"]) for e in errors)
        )
        return format_html("<ul>{}</ul>", items)

    def get_field_display_value(self, field_name: str, field: Any) -> Any:
        value = super().get_field_display_value(field_name, field)
        if value is None or value == "":
            return "-"
        if field_name in ("started_at", "finished_at"):
            return timezone.localtime(value)
        return value

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["still_running"] = self.object.status in (RunStatus.QUEUED, RunStatus.RUNNING)
        return context


class RunViewSet(ModelViewSet):
    model = ImportRun
    icon = "history"
    url_prefix = "wechat-import/runs"
    name = "wechat_import_runs"
    menu_label = _("Import runs")
    inspect_view_enabled = True
    inspect_view_class = RunInspectView
    copy_view_enabled = False
    list_display = [
        "started_at",
        "source",
        "kind",
        "status",
        "progress",
        "created",
        "updated",
        "unpublished",
        "images_imported",
        "error_count",
        "duration",
    ]
    list_filter = ["status", "kind", "source"]
    # Never offered (the permission policy refuses adding and editing); Wagtail wants a form.
    form_fields = ["source"]
    inspect_view_fields = [
        "source",
        "kind",
        "status",
        "url",
        "requested_by",
        "started_at",
        "finished_at",
        "duration",
        "progress",
        "list_pages_read",
        "items_seen",
        "created",
        "updated",
        "unpublished",
        "unchanged",
        "skipped",
        "images_imported",
        "error_count",
        "errors",
    ]


class WeChatImportGroup(ModelViewSetGroup):
    items = (AccountViewSet, RunViewSet)
    menu_label = _("WeChat import")
    menu_icon = "download"
    menu_order = 300


register_permission_policy(ImportRun, RunPermissionPolicy(ImportRun))


@hooks.register("register_admin_viewset")
def register_viewsets() -> WeChatImportGroup:
    return WeChatImportGroup()


@hooks.register("register_admin_urls")
def register_urls() -> list[Any]:
    return [
        path(
            "wechat-import/accounts/<int:pk>/import/",
            views.ImportNowView.as_view(),
            name="wechat_import_now",
        ),
        path(
            "wechat-import/import-by-url/",
            views.ImportByUrlView.as_view(),
            name="wechat_import_by_url",
        ),
    ]
