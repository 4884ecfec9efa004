"""What customers do with content: likes, favourites and software downloads."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReactionKind(models.TextChoices):
    LIKE = "like", _("like")
    FAVOURITE = "favourite", _("favourite")


class Reaction(models.Model):
    """A customer's like or favourite on a video or an article; at most one of each kind."""

    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    customer_id = models.CharField(max_length=64)
    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["page", "kind", "customer_id"],
                name="engagement_reaction_one_per_customer",
            )
        ]
        indexes = [
            models.Index(
                fields=["customer_id", "kind", "-created_at"],
                name="engagement_reaction_customer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} on page {self.page_id}"


class SoftwareDownload(models.Model):
    """One started download of a software version, recorded once per idempotency key.

    The gateway decides what counts as a new download (a resumed Range request does not) and
    sends the same key again when it retries the call.
    """

    version = models.ForeignKey(
        "content.SoftwareVersion", on_delete=models.CASCADE, related_name="downloads"
    )
    idempotency_key = models.CharField(max_length=64, unique=True)
    customer_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"download of version {self.version_id}"
