"""HTML fields to text: inline tags never split a word; comments separate words."""

import pytest

from monitor.polling.markup import html_to_text
from monitor.polling.parse import parse_feed

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Wire</title><link>https://wire.example.org/</link>
<item><title>Drop cap</title><link>https://wire.example.org/1</link>
<description><![CDATA[<p><span class="dropcap">U</span>kraine said on Tuesday that
<strong>French</strong> troops<!--more-->would not be sent.</p>]]></description></item>
</channel></rss>"""


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ('<p><span class="dropcap">U</span>kraine and <b>France</b></p>', "Ukraine and France"),
        ("<p>Ukr<em>ai</em>ne</p>", "Ukraine"),
        ("war<!--more-->peace", "war peace"),
        ("<p>one</p><!-- c --><p>two</p>", "one two"),
        ("x<br>y", "x y"),
        ("<div>one</div><div>two</div>", "one two"),
        ("Ukraine<sup>1</sup> said", "Ukraine 1 said"),
        ("<p>法国考虑向<b>乌克兰</b>派遣军队</p>", "法国考虑向乌克兰派遣军队"),
    ],
)
def test_words_stay_whole(html: str, text: str) -> None:
    assert html_to_text(html) == text


def test_a_feed_field_with_a_drop_cap_and_a_more_comment() -> None:
    (item,) = parse_feed("wire", FEED.encode(), "https://wire.example.org/rss", {}).items
    assert item.text == "Ukraine said on Tuesday that French troops would not be sent."
