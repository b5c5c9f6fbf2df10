"""An article's title and main text from its HTML page, with trafilatura."""

from dataclasses import dataclass

import trafilatura


@dataclass(frozen=True, slots=True)
class Article:
    """The readable part of a web page."""

    title: str
    text: str


def extract_article(html: bytes | str, url: str | None = None) -> Article | None:
    """The page's title and main text (boilerplate such as menus removed), or None."""
    document = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if document is None or isinstance(document, dict) or not document.text:
        return None
    return Article(title=document.title or "", text=document.text)
