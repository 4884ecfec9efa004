"""The admin's form for importing one article by its address."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from reparo_cms.content.models import ArticleCategory
from reparo_cms.wechat_import.models import PublishMode, WeChatSource
from reparo_cms.wechat_import.services import check_article_url


class ImportByUrlForm(forms.Form):
    url = forms.URLField(
        label=_("Article address"),
        max_length=1000,
        assume_scheme="https",
        help_text=_("The address of the article as published, e.g. https://mp.weixin.qq.com/s/…"),
    )
    source = forms.ModelChoiceField(
        label=_("Account"),
        queryset=WeChatSource.objects.all(),
        help_text=_("The article is added below this account's article index."),
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=[("", _("The account's category")), *ArticleCategory.choices],
        required=False,
    )
    publish_mode = forms.ChoiceField(
        label=_("Imported page"),
        choices=[("", _("As the account imports")), *PublishMode.choices],
        required=False,
    )

    def clean_url(self) -> str:
        try:
            return check_article_url(self.cleaned_data["url"])
        except ValidationError as error:
            raise ValidationError(error.messages) from error
