"""Article pages for `full_text` feeds: each wanted item's page fetched (through the outbound
policy), its main text added to the item's and its canonical link made the story key."""

import asyncio
from dataclasses import replace

import aiohttp
import structlog

from monitor.config.settings import Settings
from monitor.items import Item
from monitor.model import ParsedFeed
from monitor.offload import off_loop
from monitor.polling.addresses import link_refusal
from monitor.polling.extract import extract_article
from monitor.polling.fetch import fetch
from monitor.polling.links import canonical_story_key
from monitor.stories.fingerprint import text_key

log = structlog.get_logger(__name__)


async def with_article_texts(
    session: aiohttp.ClientSession,
    settings: Settings,
    parsed: ParsedFeed,
    wanted: list[Item],
    proxy: str | None,
) -> tuple[ParsedFeed, dict[str, str]]:
    """`parsed` with the main text of each wanted item's article page added to its text,
    and the page's canonical link as its story key; an item whose page cannot be fetched or
    read keeps the feed's text and key. Also, for the items given their page's text, the
    key of the feed's own title and text (entry key → key), which verdicts are kept under."""
    linked = [item for item in wanted if item.link]
    pages = await asyncio.gather(
        *(_article(session, settings, item.link or "", proxy) for item in linked)
    )
    found = {item.entry_key: page for item, page in zip(linked, pages, strict=True) if page}
    if not found:
        return parsed, {}
    own_keys = {i.entry_key: text_key(i.title, i.text) for i in linked if i.entry_key in found}
    items = [
        replace(
            i,
            text=f"{i.text}\n\n{found[i.entry_key][0]}",
            story_key=found[i.entry_key][1] or i.story_key,
        )
        if i.entry_key in found
        else i
        for i in parsed.items
    ]
    return replace(parsed, items=items), own_keys


async def _article(
    session: aiohttp.ClientSession, settings: Settings, url: str, proxy: str | None
) -> tuple[str, str | None] | None:
    """An article page's main text and the story key its canonical link gives."""
    refused = link_refusal(url)
    if refused is not None:
        log.warning("article page not fetched", url=url, error=refused)
        return None
    page = await fetch(
        session,
        url,
        etag=None,
        last_modified=None,
        timeout=settings.timeout.total_seconds(),
        max_bytes=settings.max_feed_bytes,
        proxy=proxy,
    )
    if page.body is None:
        log.info("article page not fetched", url=url, error=page.error)
        return None
    article = await off_loop(extract_article, page.body, page.url, name="article")
    if article is None:
        log.info("article page has no main text", url=url)
        return None
    return article.text, canonical_story_key(article.canonical, page.url)
