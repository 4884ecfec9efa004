"""Page, document and snippet models of the content app, one module per content area.

Wagtail ships no type information, so the Django mypy plugin cannot tell that a page (or an
``Orderable``) is a model and infer its fields' types; those fields carry their types written out,
``models.CharField[str, str]`` for a field set and read as ``str``.
"""

from reparo_cms.content.models.articles import ArticleCategory, ArticleIndexPage, ArticlePage
from reparo_cms.content.models.base import HeadlessPage
from reparo_cms.content.models.documents import ContentDocument
from reparo_cms.content.models.home import HomePage
from reparo_cms.content.models.products import (
    ProductIndexPage,
    ProductManual,
    ProductPage,
    ProductPartNumber,
    ProductPhoto,
)
from reparo_cms.content.models.software import SoftwareIndexPage, SoftwarePage, SoftwareVersion
from reparo_cms.content.models.videos import VideoCategoryPage, VideoIndexPage, VideoPage

__all__ = [
    "ArticleCategory",
    "ArticleIndexPage",
    "ArticlePage",
    "ContentDocument",
    "HeadlessPage",
    "HomePage",
    "ProductIndexPage",
    "ProductManual",
    "ProductPage",
    "ProductPartNumber",
    "ProductPhoto",
    "SoftwareIndexPage",
    "SoftwarePage",
    "SoftwareVersion",
    "VideoCategoryPage",
    "VideoIndexPage",
    "VideoPage",
]
