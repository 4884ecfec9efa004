from django.apps import AppConfig


class ContentConfig(AppConfig):
    """Pages editors author: articles, videos, software and products."""

    name = "reparo_cms.content"
    label = "content"
    verbose_name = "Content"

    def ready(self) -> None:
        from reparo_cms.content import signals

        signals.connect()
