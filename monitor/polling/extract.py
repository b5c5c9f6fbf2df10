"""An article's title, main text and canonical link from its HTML page, with trafilatura."""

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True, slots=True)
class Article:
    """The readable part of a web page."""

    title: str
    text: str
    canonical: str | None = None  # the page's `<link rel=canonical>` (or og:url), if it has one


def extract_article(html: bytes | str, url: str | None = None) -> Article | None:
    """The page's title, main text (boilerplate such as menus removed) and canonical link, or
    None."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None or isinstance(document, dict) or not document.text:
        return None
    canonical = document.url if document.url != url else None
    return Article(title=document.title or "", text=document.text, canonical=canonical)
