"""Shared fixtures: the page tree, pictures, documents and gateway tokens."""

import json
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from wagtail.images.models import Image
from wagtail.models import Page

from reparo_cms.content.demo import demo_image
from reparo_cms.content.models import (
    ArticleIndexPage,
    ArticlePage,
    ContentDocument,
    HomePage,
    ProductIndexPage,
    ProductPage,
    ProductPartNumber,
    SoftwareIndexPage,
    SoftwarePage,
    SoftwareVersion,
    VideoCategoryPage,
    VideoIndexPage,
    VideoPage,
)
from reparo_shared.identity import TokenSigner, TokenVerifier, generate_keypair
from reparo_shared.wechat import ReparoWeChatClient, make_client
from reparo_shared.wechat.testing import RunningSandbox, running_sandbox

KEY_ID = "test-1"


def publish_child(parent: Page, page: Page) -> Any:
    """Add ``page`` under ``parent`` and publish it through a revision, as the admin does."""
    parent.add_child(instance=page)
    page.save_revision().publish()
    page.refresh_from_db()
    return page


def paragraph_body(*html: str) -> str:
    return json.dumps([{"type": "paragraph", "value": fragment} for fragment in html])


@pytest.fixture
def home(db: None) -> HomePage:
    return HomePage.objects.get()


@pytest.fixture
def article_index(home: HomePage) -> ArticleIndexPage:
    return publish_child(home, ArticleIndexPage(title="文章", slug="articles"))


@pytest.fixture
def make_article(article_index: ArticleIndexPage) -> Callable[..., ArticlePage]:
    def make(title: str, *, category: str = "little_known_tips", body: str = "[]", **fields: Any):
        slug = f"a-{ArticlePage.objects.count() + 1}"
        page = ArticlePage(title=title, slug=slug, category=category, body=body, **fields)
        return publish_child(article_index, page)

    return make


@pytest.fixture
def video_category(home: HomePage) -> VideoCategoryPage:
    index = publish_child(home, VideoIndexPage(title="视频", slug="videos"))
    first = publish_child(index, VideoCategoryPage(title="培训", slug="training"))
    return publish_child(first, VideoCategoryPage(title="入门", slug="basics"))


@pytest.fixture
def video(video_category: VideoCategoryPage, image: Image) -> VideoPage:
    page = VideoPage(
        title="开机与回零",
        slug="homing",
        external_url="https://videos.example.com/homing.mp4",
        poster=image,
        duration_seconds=125,
        notes="<p>先回零。</p>",
    )
    return publish_child(video_category, page)


@pytest.fixture
def image(db: None) -> Image:
    return demo_image("picture", (10, 120, 200))


@pytest.fixture
def make_document(db: None) -> Callable[[str, bytes], ContentDocument]:
    def make(name: str, content: bytes) -> ContentDocument:
        return ContentDocument.objects.create(title=name, file=ContentFile(content, name=name))

    return make


@pytest.fixture
def software(home: HomePage, make_document: Callable[..., ContentDocument]) -> SoftwarePage:
    index = publish_child(home, SoftwareIndexPage(title="软件", slug="software"))
    page = SoftwarePage(title="控制器固件", slug="firmware", summary="主板固件")
    page.versions.add(
        SoftwareVersion(
            version="2.1.0",
            released_on=date(2026, 11, 1),
            file=make_document("fw.bin", b"\x7fFIRMWARE!" * 100),
            notes="<p>修复回零问题。</p>",
            part_numbers="RP-100\nRP-100-PRO\n",
        )
    )
    return publish_child(index, page)


@pytest.fixture
def product_index(home: HomePage) -> ProductIndexPage:
    return publish_child(home, ProductIndexPage(title="产品", slug="products"))


@pytest.fixture
def make_product(product_index: ProductIndexPage, image: Image) -> Callable[..., ProductPage]:
    """A product page with the given PNs, added as a draft (publish it in the test)."""

    def make(title: str, pns: list[str], **fields: Any) -> ProductPage:
        page = ProductPage(title=title, slug=f"p-{ProductPage.objects.count() + 1}", image=image)
        for pn in pns:
            page.part_numbers.add(ProductPartNumber(pn=pn))
        for name, value in fields.items():
            setattr(page, name, value)
        page.live = False
        product_index.add_child(instance=page)
        return page

    return make


@pytest.fixture
def client() -> Client:
    return Client(HTTP_HOST="localhost")


@pytest.fixture
def token_signer(settings: Any) -> TokenSigner:
    """A gateway signer whose public key the CMS trusts for this test."""
    private_pem, public_pem = generate_keypair()
    settings.REPARO_TOKEN_VERIFIER = TokenVerifier({KEY_ID: public_pem})
    return TokenSigner(private_pem, KEY_ID)


@pytest.fixture
def customer_auth(token_signer: TokenSigner) -> Callable[[str], dict[str, str]]:
    def headers(customer_id: str) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {token_signer.sign_customer(customer_id, 'o-1')}"}

    return headers


@pytest.fixture(scope="session")
def sandbox_process() -> Iterator[RunningSandbox]:
    """The WeChat sandbox as a real process, started once for the tests that need it."""
    with running_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def sandbox(sandbox_process: RunningSandbox, settings: Any) -> RunningSandbox:
    """A reset sandbox, its account's secret known to the cms and its host allowed."""
    sandbox_process.control("POST", "/sandbox/reset")
    host = urlsplit(sandbox_process.base_url).hostname
    settings.WECHAT_IMPORT_SECRETS = {sandbox_process.appid: sandbox_process.secret}
    settings.WECHAT_IMPORT_ARTICLE_HOSTS = [host]
    settings.WECHAT_IMPORT_IMAGE_HOSTS = [host]
    return sandbox_process


@pytest.fixture
def wechat_client(sandbox: RunningSandbox) -> ReparoWeChatClient:
    return make_client(sandbox.settings())
