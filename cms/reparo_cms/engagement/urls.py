from django.urls import path, register_converter

from reparo_cms.engagement import views


class ReactionKindConverter:
    regex = "like|favourite"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReactionKindConverter, "reaction_kind")

app_name = "engagement"

urlpatterns = [
    path("pages/", views.EngagementCountsView.as_view(), name="counts"),
    path("pages/<int:page_id>/", views.PageEngagementView.as_view(), name="page"),
    path(
        "pages/<int:page_id>/<reaction_kind:kind>/",
        views.ReactionView.as_view(),
        name="reaction",
    ),
    path("me/favourites/", views.MyFavouritesView.as_view(), name="my-favourites"),
    path("software-downloads/", views.SoftwareDownloadView.as_view(), name="software-download"),
    path(
        "software/<int:page_id>/downloads/",
        views.SoftwareDownloadCountsView.as_view(),
        name="software-download-counts",
    ),
]
