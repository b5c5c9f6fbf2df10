"""HTML of a feed field → plain text, with words kept whole (html-text over lxml).

html-text puts a space wherever a tag ends, which splits a word whose letters are in different
inline elements: a drop cap `<span>U</span>kraine` became `U kraine`, so a rule for `Ukraine`
missed it. Inline elements are unwrapped first (their text joins their neighbours', as a
browser shows it), and a comment becomes a space (`war<!--more-->peace` is two words, not
`warpeace`). Block elements and `<br>` still separate words. `<sub>`/`<sup>` stay apart, so a
footnote mark does not join the word before it.
"""

import html_text
from lxml import etree

_INLINE = (
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "font", "i", "kbd",
    "mark", "q", "s", "samp", "small", "span", "strong", "time", "u", "var",
)  # fmt: skip


def html_to_text(value: str) -> str:
    """The text of an HTML fragment; raises lxml's `ParserError` (or ValueError) when it
    cannot be parsed."""
    tree = html_text.parse_html(value)
    for comment in tree.iter(etree.Comment):
        comment.tail = " " + (comment.tail or "")
    etree.strip_tags(tree, *_INLINE)
    return str(html_text.extract_text(tree, guess_layout=False))
