"""Which addresses are public, what `allow_private` may list, and which URLs point inward, judged
without any I/O (pure): `outbound` applies it to every connection, `config` to the setting, and
`import-opml` to the URLs of a list.
"""

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_HOST_NAME = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_-]+)*\.?")
# Names that only ever mean this machine or the local network (RFC 6761, 6762, 8375).
_LOCAL_NAMES = ("localhost", ".localhost", ".local", ".internal", ".home.arpa")


def non_public(address: Address) -> str | None:
    """What kind of non-public address `address` is ("loopback", "private"…); None if public."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    kinds = (
        ("loopback", address.is_loopback),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("unspecified", address.is_unspecified),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        ("non-public", not address.is_global),
    )
    return next((kind for kind, flag in kinds if flag), None)


def hosts_and_networks(entries: Iterable[str]) -> tuple[frozenset[str], tuple[Network, ...]]:
    """`allow_private` entries split into host names (lower case) and networks (an address is a
    network of one); raises ValueError naming an entry that is neither."""
    hosts, networks = set(), []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            if not _HOST_NAME.fullmatch(entry):
                raise ValueError(
                    f"{entry!r} is neither a host name, an address nor a network "
                    '(e.g. "intranet.example", "10.1.2.3", "10.0.0.0/8")'
                ) from None
            hosts.add(entry.rstrip(".").lower())
    return frozenset(hosts), tuple(networks)


def link_refusal(url: str) -> str | None:
    """Why a link found in a feed may not be fetched at all (not http(s), or credentials in
    it); None if it may (its address is checked when connecting)."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "not an http(s) URL"
    if "@" in parts.netloc:
        return "a URL with credentials"
    return None


def inward(url: str) -> str | None:
    """Why an http(s) URL handed to us (an OPML list's) looks like it points at this machine or
    its network: credentials, a non-public address, a local-only name; None if it does not.
    Names are judged by their spelling: what DNS says today proves nothing about tomorrow."""
    parts = urlsplit(url)
    if "@" in parts.netloc:
        return "credentials in the URL"
    host = (parts.hostname or "").rstrip(".")
    if host == "localhost" or host.endswith(_LOCAL_NAMES):
        return f"{host} is a local name"
    try:
        kind = non_public(ipaddress.ip_address(host))
    except ValueError:
        return None
    return None if kind is None else f"{host} is a {kind} address"
