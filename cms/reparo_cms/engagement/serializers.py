"""Request and response shapes of the engagement API."""

from rest_framework import serializers

from reparo_cms.content.models.base import gateway_path
from reparo_cms.engagement.models import Reaction


class PageEngagementPublic(serializers.Serializer):
    page_id = serializers.IntegerField()
    likes = serializers.IntegerField()
    favourites = serializers.IntegerField()
    liked = serializers.BooleanField()
    favourited = serializers.BooleanField()


class FavouritePublic(serializers.ModelSerializer):
    title = serializers.CharField(source="page.title")
    type = serializers.SerializerMethodField()
    favourited_at = serializers.DateTimeField(source="created_at")

    path = serializers.SerializerMethodField()

    class Meta:
        model = Reaction
        fields = ["page_id", "title", "type", "path", "favourited_at"]

    def get_path(self, reaction: Reaction) -> str:
        """Where the gateway shows the page (the path of its ``public_url``)."""
        return gateway_path(reaction.page)

    def get_type(self, reaction: Reaction) -> str:
        content_type = reaction.page.content_type
        return f"{content_type.app_label}.{content_type.model_class().__name__}"


class SoftwareDownloadCreate(serializers.Serializer):
    version_id = serializers.IntegerField(min_value=1)
    idempotency_key = serializers.CharField(min_length=8, max_length=64)


class SoftwareDownloadPublic(serializers.Serializer):
    download_id = serializers.IntegerField(source="pk")
    version_id = serializers.IntegerField()
    recorded_at = serializers.DateTimeField(source="created_at")
