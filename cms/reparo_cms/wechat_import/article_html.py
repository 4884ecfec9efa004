"""WeChat article HTML: finding its images, and turning it into Wagtail rich text.

WeChat articles load their images lazily: the address is in ``data-src`` (``src`` is empty or a
placeholder), HTML-escaped (``&amp;`` between query parameters), and ``wx_fmt`` in the query names
the format. The body is nested ``<section>`` and ``<span>`` elements with inline styles; what we
keep is the text structure Wagtail's rich text editor understands (paragraphs, headings, lists,
bold, italic, links) with each image replaced by an embed of its copy in the image library.
"""

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag
from wagtail.whitelist import DEFAULT_ELEMENT_RULES, Whitelister, attribute_rule

# The rich text image format whose API output keeps animated GIFs animated (see image_formats).
IMAGE_FORMAT = "phone"

# Dropped with their content: scripts and styles, and WeChat's players and cards, which need
# WeChat's own scripts to show anything.
# Known shortcoming: embedded videos, audio and mini-program cards are therefore not imported.
DROPPED = ["script", "style", "iframe", "svg", "video", "audio", "mpvoice", "mpvideo"]
BLOCKS = {"p", "h2", "h3", "h4", "ul", "ol", "hr", "embed"}
HEADINGS = {"h1": "h2", "h5": "h4", "h6": "h4"}
CREATE_TIME = re.compile(r"""var\s+ct\s*=\s*["']?(\d{9,11})""")
COVER_URL = re.compile(r"""var\s+msg_cdn_url\s*=\s*["']([^"']+)["']""")


def image_url(tag: Tag) -> str:
    """Where an ``<img>`` really loads from: ``data-src`` (lazy loading), else ``src``.

    The parser has already turned ``&amp;`` back into ``&``.
    """
    for attribute in ("data-src", "src"):
        value = tag.get(attribute)
        if isinstance(value, str) and value.strip().startswith(("http://", "https://", "//")):
            url = value.strip()
            return f"https:{url}" if url.startswith("//") else url
    return ""


def image_urls(content: str) -> list[str]:
    """Every distinct image address in an article body, in order."""
    soup = BeautifulSoup(content, "html.parser")
    return list(dict.fromkeys(url for tag in soup.find_all("img") if (url := image_url(tag))))


def declared_format(url: str) -> str | None:
    """The format WeChat names in the address (``wx_fmt=gif``), if any."""
    values = parse_qs(urlsplit(url).query).get("wx_fmt")
    return values[0].lower() if values else None


class _RichTextWhitelister(Whitelister):
    element_rules = {
        **DEFAULT_ELEMENT_RULES,
        "embed": attribute_rule({"embedtype": True, "id": True, "format": True, "alt": True}),
        "img": lambda tag: tag.decompose(),
        "div": lambda tag: tag.unwrap(),
    }


def to_rich_text(content: str, images: dict[str, int]) -> str:
    """The article body as Wagtail rich text, with ``images`` (address to image id) embedded.

    An image whose address is not in ``images`` (it failed to copy) is left out: WeChat refuses
    to serve its images to other sites, so a link to the original would show nothing.
    """
    soup = BeautifulSoup(content, "html.parser")
    for tag in soup.find_all(DROPPED):
        tag.decompose()
    for tag in soup.find_all("img"):
        image_id = images.get(image_url(tag))
        if image_id is None:
            tag.decompose()
            continue
        embed = soup.new_tag("embed")
        embed.attrs = {
            "embedtype": "image",
            "id": str(image_id),
            "format": IMAGE_FORMAT,
            "alt": str(tag.get("alt") or ""),
        }
        tag.replace_with(embed)
    cleaned = BeautifulSoup(_RichTextWhitelister().clean(str(soup)), "html.parser")
    for tag in cleaned.find_all(list(HEADINGS)):
        tag.name = HEADINGS[tag.name]
    return "".join(str(block) for block in _blocks(cleaned, cleaned))


def _blocks(soup: BeautifulSoup, parent: Tag) -> list[Tag]:
    """The children of ``parent`` as top-level blocks: nested blocks lifted out, loose inline
    content wrapped in paragraphs, empty paragraphs (WeChat's spacers) dropped."""
    blocks: list[Tag] = []
    inline: list[Tag | NavigableString] = []

    def flush() -> None:
        if any(str(node).strip() for node in inline if not _is_break(node)):
            paragraph = soup.new_tag("p")
            for node in inline:
                paragraph.append(node.extract())
            blocks.append(paragraph)
        inline.clear()

    for child in list(parent.children):
        if isinstance(child, Tag) and child.name in BLOCKS:
            flush()
            if child.name in ("p", "h2", "h3", "h4") and child.find(list(BLOCKS)):
                blocks.extend(_blocks(soup, child))
            elif child.name == "embed" or child.get_text(strip=True) or child.name == "hr":
                blocks.append(child)
        elif isinstance(child, Tag | NavigableString):
            inline.append(child)
    flush()
    return blocks


def _is_break(node: Tag | NavigableString) -> bool:
    return isinstance(node, Tag) and node.name == "br"


@dataclass(frozen=True)
class PublicArticle:
    """An article as read from its public page (import by URL)."""

    title: str
    author: str
    digest: str
    content: str
    cover_url: str
    published_at: datetime | None


def parse_public_page(page_html: str) -> PublicArticle:
    """Read title, author, digest, cover, publish time and body from an article's public page.

    Raises ``ValueError`` when the page holds no article body (a deleted article, a login wall).
    """
    soup = BeautifulSoup(page_html, "html.parser")
    body = soup.find(id="js_content")
    if not isinstance(body, Tag):
        raise ValueError("the page holds no article body")
    title = _meta(soup, "og:title") or _text(soup.find(id="activity-name"))
    cover = _meta(soup, "og:image")
    if not cover and (match := COVER_URL.search(page_html)):
        cover = match.group(1)
    created = CREATE_TIME.search(page_html)
    return PublicArticle(
        title=title,
        author=_meta(soup, "author"),
        digest=_meta(soup, "description") or _meta(soup, "og:description"),
        content=body.decode_contents(),
        cover_url=cover,
        published_at=datetime.fromtimestamp(int(created.group(1)), UTC) if created else None,
    )


def _meta(soup: BeautifulSoup, name: str) -> str:
    tag = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
    value = tag.get("content") if isinstance(tag, Tag) else None
    return value.strip() if isinstance(value, str) else ""


def _text(tag: object) -> str:
    return tag.get_text(strip=True) if isinstance(tag, Tag) else ""
