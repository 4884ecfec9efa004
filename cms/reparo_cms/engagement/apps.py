from django.apps import AppConfig


class EngagementConfig(AppConfig):
    """Customers' likes and favourites, and software download counts."""

    name = "reparo_cms.engagement"
    label = "engagement"
    verbose_name = "Engagement"
