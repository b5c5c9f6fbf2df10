"""The data behind link cleaning (`polling/links`): tracking and session parameters, redirect
wrappers and the forms one article takes. Pure data: each entry has its own realistic example in
`tests/unit/test_link_data.py`, and an entry without one fails that test.

courlan already removes `utm_*`, `fbclid`, `gclid`, `mc_*`, `*_source`, `ref`, `xtor`,
`session*` and the like; these are what real news feeds add beyond it.
"""

# Query parameters that never name a story, by lower-case name, with a pattern the value must
# fully match (None: any value). A name that some sites use for the article itself (`sid` on
# Slashdot-style sites, `_` and `ts`…) is removed only when its value looks like a session
# token or a cache-busting timestamp.
TRACKING_PARAMETERS: dict[str, str | None] = {
    # Campaign and referral tags of publishers' analytics.
    "at_campaign": None,  # AT Internet (Le Monde, France Télévisions…)
    "at_medium": None,
    "cmp": None,  # The Guardian, Telegraph
    "cmpid": None,  # Tagesspiegel, Die Zeit…
    "dmcid": None,
    "ftag": None,  # Financial Times
    "guccounter": None,  # Yahoo's consent redirect
    "icid": None,  # internal campaign id
    "intcmp": None,
    "ito": None,  # Guardian, BBC Sounds
    "mbid": None,
    "mod": None,  # Wall Street Journal (`mod=rss_Top_Stories`)
    "ncid": None,  # Yahoo News
    "ns_campaign": None,  # comScore (BBC)
    "ns_fee": None,
    "ns_linkname": None,
    "ns_mchannel": None,
    "ocid": None,  # MSN
    "partner": None,  # New York Times
    "rss": r"1|true|yes|",  # `?rss=1`: which list the reader came from
    "smid": None,  # New York Times share ids
    "smtyp": None,
    "soc_src": None,
    "soc_trk": None,
    "spm": None,  # Alibaba and Chinese portals
    "sr_share": None,
    "taid": None,
    "trk": None,  # LinkedIn
    "wpisrc": None,  # Washington Post
    "wpmm": None,
    "wt.mc_id": None,  # Webtrends
    "wt_mc": None,
    "wt_zmc": None,
    "_hsenc": None,  # HubSpot
    "_hsmi": None,
    # Session identifiers and cache busters: a new one on every fetch (issue 18).
    "_": r"\d{6,}",  # jQuery's `?_=1700000000000`
    "cachebuster": None,
    "cb": r"\d{6,}",
    "jsessionid": None,
    "nocache": None,
    "phpsessid": None,
    "rnd": r"\d{4,}",
    "sid": r"[0-9A-Za-z_-]{16,}",  # a session token, not a story id such as `sid=08/01/02/1234`
    "ts": r"\d{9,13}",  # a Unix timestamp, in seconds or milliseconds
}

# Path parameters (`/story.jsp;jsessionid=…`) that carry a session, by lower-case name.
PATH_SESSION_PARAMETERS = ("jsessionid", "phpsessid", "sessionid")

# Redirect wrappers that carry their target in a query parameter: (host, path prefix, parameter).
# The host matches itself and its subdomains.
REDIRECTORS: tuple[tuple[str, str, str], ...] = (
    ("google.com", "/url", "url"),  # Google Alerts
    ("google.com", "/url", "q"),  # Google search results
    ("news.google.com", "/news/url", "url"),  # Google News, older links
    ("bing.com", "/news/apiclick.aspx", "url"),  # Bing News feeds
    ("l.facebook.com", "/l.php", "u"),
    ("out.reddit.com", "/", "url"),
    ("safelinks.protection.outlook.com", "/", "url"),
    ("youtube.com", "/redirect", "q"),
    ("vk.com", "/away.php", "to"),
    ("linkedin.com", "/redir/redirect", "url"),
    ("t.umblr.com", "/redirect", "z"),
)

# Redirects and caches that carry their target in the path: (host, path prefix); what follows
# the prefix is the target without its scheme (https).
PATH_REDIRECTORS: tuple[tuple[str, str], ...] = (
    ("google.com", "/amp/s/"),  # Google's AMP viewer
    ("cdn.ampproject.org", "/c/s/"),  # the AMP cache
    ("cdn.ampproject.org", "/v/s/"),
)

# Google News article links hold their target, base64-encoded, after this path prefix (those
# written since 2024 hold an opaque id instead: they stay as they are).
GOOGLE_NEWS = ("news.google.com", ("/rss/articles/", "/articles/"))

# Host prefixes of the same site's other editions, folded in story keys.
HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")

# AMP query forms, folded in story keys: a parameter with any value, or with this value.
AMP_PARAMETERS: dict[str, str | None] = {
    "amp": None,  # `?amp`, `?amp=1`
    "outputtype": "amp",  # `?outputType=amp` (Il Sole 24 Ore, Repubblica…)
    "output": "amp",
    "usqp": None,  # Google's AMP viewer
}
