"""Admin pages of the import: queue an account's import now, import one article by URL."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from reparo_cms.wechat_import import services
from reparo_cms.wechat_import.forms import ImportByUrlForm
from reparo_cms.wechat_import.models import RunStatus, WeChatSource

CAN_IMPORT = "wechat_import.change_wechatsource"


def run_url(run_pk: int) -> str:
    return reverse("wechat_import_runs:inspect", args=[run_pk])


@method_decorator(permission_required(CAN_IMPORT, raise_exception=True), name="dispatch")
class ImportNowView(WagtailAdminTemplateMixin, TemplateView):
    """Confirm, then queue an import of one account for the worker."""

    template_name = "wechat_import/import_now.html"
    page_title = gettext_lazy("Import now")
    header_icon = "download"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["source"] = self.source
        return context

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.source = get_object_or_404(WeChatSource, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self) -> str:
        return str(self.source)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        run = services.request_import(self.source, request.user)
        messages.success(request, _("The import is queued; the worker starts it within a minute."))
        return HttpResponseRedirect(run_url(run.pk))


@method_decorator(permission_required(CAN_IMPORT, raise_exception=True), name="dispatch")
class ImportByUrlView(WagtailAdminTemplateMixin, FormView):
    """Import one article from its public address, at once."""

    template_name = "wechat_import/import_by_url.html"
    form_class = ImportByUrlForm
    page_title = gettext_lazy("Import one article by URL")
    header_icon = "download"

    def get_initial(self) -> dict[str, Any]:
        return {"source": WeChatSource.objects.first()}

    def form_valid(self, form: ImportByUrlForm) -> HttpResponse:
        run = services.import_by_url(
            form.cleaned_data["source"],
            form.cleaned_data["url"],
            actor=self.request.user,
            category=form.cleaned_data["category"] or None,
            publish_mode=form.cleaned_data["publish_mode"] or None,
        )
        if run.status == RunStatus.SUCCEEDED:
            messages.success(self.request, _("The article was imported."))
        else:
            messages.warning(self.request, _("The import finished with errors; see below."))
        return HttpResponseRedirect(run_url(run.pk))
