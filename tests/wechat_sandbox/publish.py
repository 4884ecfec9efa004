"""Published articles (freepublish), their pages, and images served the way mmbiz serves them."""

import html
import io
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse
from PIL import Image, ImageDraw
from pydantic import BaseModel

from .deps import AccessToken, StateDep, json_body
from .errors import WeChatError, ok
from .state import SandboxState

router = APIRouter()

TOPICS = [
    "激光切割机维护小技巧",
    "雕刻机应用场景",
    "行业推广方案",
    "大规模加工解决方案",
    "技术应用案例",
]
CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif"}
DAY = 86_400


class SeedArticles(BaseModel):
    """How many published articles to create; newest first, one a day back from now."""

    count: int = 45
    with_gif: bool = True
    with_broken_image: bool = True
    deleted_every: int = 10


class ArticleEdit(BaseModel):
    """A change to one news item of a published article (WeChat allows editing after
    publication); ``index`` counts from 1 as in WeChat's article addresses."""

    index: int = 1
    title: str | None = None
    digest: str | None = None
    append_html: str | None = None


def _image_url(state: SandboxState, base: str, fmt: str, image_id: str, declared: bool) -> str:
    """An mmbiz-style address; without ``declared`` it carries no ``wx_fmt`` (some WeChat
    images have none, and only the response's type tells the format)."""
    state.images[image_id] = fmt
    wx_fmt = "jpeg" if fmt == "jpeg" else fmt.replace("broken", "png")
    path = f"{base}mmbiz_{wx_fmt}/{image_id}/0"
    return f"{path}?wx_fmt={wx_fmt}&from=appmsg" if declared else f"{path}?from=appmsg"


def _news_item(
    state: SandboxState, base: str, number: int, part: int, fmt: str, deleted: bool
) -> dict[str, Any]:
    image_id = f"img{number:03d}p{part}"
    # As in WeChat's HTML, the address sits in data-src with its "&" escaped as "&amp;".
    image = html.escape(_image_url(state, base, fmt, image_id, declared=number != 3))
    thumb = _image_url(state, base, "jpeg", f"thumb{number:03d}p{part}", declared=True)
    title = f"{TOPICS[number % len(TOPICS)]} 第{number}期" + (f" ({part + 1})" if part else "")
    content = (
        f'<section style="margin:0 8px"><p><span style="font-size:15px">{html.escape(title)}'
        f"：这是沙箱里的第 {number} 篇文章。</span></p><p><br></p>"
        f'<p style="text-align:center"><img class="rich_pages wxw-img" data-src="{image}" '
        f'data-type="{fmt}" data-ratio="0.5" data-w="240" style="width:100%"></p>'
        "<p><strong>Fim do artigo</strong> / 完</p></section>"
    )
    return {
        "title": title,
        "author": "Reparo 服务号",
        "digest": f"第 {number} 篇文章的摘要",
        "content": content,
        "content_source_url": "",
        "thumb_media_id": f"thumb_media_{number}_{part}",
        "thumb_url": thumb,
        "show_cover_pic": 1,
        "need_open_comment": 0,
        "only_fans_can_comment": 0,
        "url": f"{base}s/art{number:03d}?idx={part + 1}",
        "is_deleted": deleted,
    }


def seed_articles(state: SandboxState, base: str, seed: SeedArticles) -> None:
    """Replace the published list. Every fourth article carries three news items; article 1 has
    a GIF and article 2 an image that fails to load, when asked for."""
    state.articles = []
    now = int(state.now())
    for number in range(1, seed.count + 1):
        fmt = "png" if number % 2 else "jpeg"
        if seed.with_gif and number == 1:
            fmt = "gif"
        if seed.with_broken_image and number == 2:
            fmt = "broken"
        parts = 3 if number % 4 == 0 else 1
        deleted = bool(seed.deleted_every) and number % seed.deleted_every == 0
        items = [_news_item(state, base, number, p, fmt, deleted) for p in range(parts)]
        published = now - number * DAY
        state.articles.append(
            {
                "article_id": f"art{number:03d}",
                "content": {"news_item": items, "create_time": published, "update_time": published},
                "update_time": published,
            }
        )


@router.post("/sandbox/freepublish/seed")
async def seed(body: SeedArticles, request: Request, state: StateDep) -> dict[str, object]:
    """Test hook: load ``count`` published articles."""
    seed_articles(state, str(request.base_url), body)
    return ok(total_count=len(state.articles))


@router.post("/sandbox/freepublish/{article_id}/edit")
async def edit(article_id: str, body: ArticleEdit, state: StateDep) -> dict[str, object]:
    """Test hook: edit a published news item; the article's ``update_time`` moves on."""
    article = _article(state, article_id)
    items = article["content"]["news_item"]
    if not 1 <= body.index <= len(items):
        raise WeChatError(40097)
    item = items[body.index - 1]
    if body.title is not None:
        item["title"] = body.title
    if body.digest is not None:
        item["digest"] = body.digest
    if body.append_html is not None:
        item["content"] += body.append_html
    edited = int(state.now())
    article["update_time"] = article["content"]["update_time"] = edited
    return ok(update_time=edited)


@router.post("/cgi-bin/freepublish/batchget")
async def batchget(request: Request, state: StateDep, _token: AccessToken) -> dict[str, object]:
    """One page of published articles, newest first; ``count`` is 1 to 20."""
    body = await json_body(request)
    offset, count = int(body.get("offset", 0)), int(body.get("count", 0))
    if offset < 0 or not 1 <= count <= 20:
        raise WeChatError(40097)
    page = state.articles[offset : offset + count]
    if body.get("no_content"):
        page = [_without_content(article) for article in page]
    return {"total_count": len(state.articles), "item_count": len(page), "item": page}


def _without_content(article: dict[str, Any]) -> dict[str, Any]:
    items = [
        {k: v for k, v in item.items() if k != "content"}
        for item in article["content"]["news_item"]
    ]
    return {**article, "content": {**article["content"], "news_item": items}}


def _article(state: SandboxState, article_id: str) -> dict[str, Any]:
    for article in state.articles:
        if article["article_id"] == article_id:
            return article
    raise WeChatError(53600)


@router.post("/cgi-bin/freepublish/getarticle")
async def getarticle(request: Request, state: StateDep, _token: AccessToken) -> dict[str, object]:
    """One published article by id (53600 when unknown)."""
    body = await json_body(request)
    article = _article(state, str(body.get("article_id", "")))
    return {"news_item": article["content"]["news_item"]}


@router.post("/cgi-bin/freepublish/delete")
async def delete(request: Request, state: StateDep, _token: AccessToken) -> dict[str, object]:
    """Delete a published article: ``index`` 1..n one news item, 0 or none all of them. The
    list keeps the article with ``is_deleted`` set, as WeChat's does."""
    body = await json_body(request)
    article = _article(state, str(body.get("article_id", "")))
    items = article["content"]["news_item"]
    index = int(body.get("index") or 0)
    if not 0 <= index <= len(items):
        raise WeChatError(40097)
    for item in items if index == 0 else [items[index - 1]]:
        item["is_deleted"] = True
    return ok()


@router.get("/s/{article_id}", response_class=HTMLResponse)
async def article_page(article_id: str, state: StateDep, idx: int = 1) -> HTMLResponse:
    """The public page of an article, shaped like mp.weixin.qq.com's (for import by URL)."""
    article = _article(state, article_id)
    items = article["content"]["news_item"]
    if not 1 <= idx <= len(items):
        return HTMLResponse("<p>该内容已被发布者删除</p>", status_code=404)
    item = items[idx - 1]
    content = item["content"]
    return HTMLResponse(
        f"""<!doctype html><html><head><meta charset="utf-8">
<meta name="description" content="{html.escape(item["digest"])}">
<meta name="author" content="{html.escape(item["author"])}">
<meta property="og:title" content="{html.escape(item["title"])}">
<meta property="og:description" content="{html.escape(item["digest"])}">
<meta property="og:image" content="{html.escape(item["thumb_url"])}">
<title>{html.escape(item["title"])}</title></head><body>
<h1 class="rich_media_title" id="activity-name">{html.escape(item["title"])}</h1>
<a id="js_name">Reparo 服务号</a>
<div class="rich_media_content" id="js_content">{content}</div>
<script>var ct = "{article["content"]["create_time"]}";</script></body></html>"""
    )


@cache
def _image_bytes(fmt: str, label: str) -> bytes:
    size = (240, 120)
    buffer = io.BytesIO()
    if fmt == "gif":
        # Two frames of different colours: a real animation, which an importer must keep.
        frames = [Image.new("RGB", size, color) for color in ((7, 193, 96), (250, 160, 30))]
        for frame in frames:
            ImageDraw.Draw(frame).text((10, 50), label, fill=(255, 255, 255))
        frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=300, loop=0)
    else:
        image = Image.new("RGB", size, (7, 193, 96))
        ImageDraw.Draw(image).text((10, 50), label, fill=(255, 255, 255))
        image.save(buffer, fmt.upper())
    return buffer.getvalue()


def _foreign_referer(request: Request) -> bool:
    referer = request.headers.get("referer")
    if not referer:
        return False
    return urlsplit(referer).netloc != request.url.netloc


@router.get("/mmbiz_{wx_fmt}/{image_id}/0")
async def image(wx_fmt: str, image_id: str, request: Request, state: StateDep) -> Response:
    """An article image. Like mmbiz, a request with another site's Referer is refused, so pages
    must re-host images rather than hot-link them."""
    fmt = state.images.get(image_id)
    if fmt is None or fmt == "broken":
        return Response(status_code=404)
    if _foreign_referer(request):
        return Response(_image_bytes("png", "not allowed"), status_code=403, media_type="image/png")
    return Response(_image_bytes(fmt, image_id), media_type=CONTENT_TYPES[fmt])
