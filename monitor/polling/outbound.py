"""Where the daemon's HTTP requests may go: never to a loopback, private, link-local, multicast
or otherwise non-public address, nor with credentials in the URL, unless the operator said so.

Feeds and their items are third-party input: an item's link (fetched for `full_text`) or a
feed's redirect would otherwise make the daemon read an internal page and send its text out in
an alert. Addresses are checked where the connection is made, on what the name resolved to
(`GuardedResolver`), so a name that looks public when checked and resolves to an internal address
when connected to (DNS rebinding) is refused too. Literal addresses, which aiohttp does not
resolve, and connections taken from the pool are checked by `GuardedConnector.connect`.

The exceptions are the operator's: the `allow_private` setting (host names, addresses, networks),
the proxy a request is sent through, and, while a configured feed is fetched
(`configured_origin`), that feed's own host and port. Its redirects elsewhere and its items'
links get no such pass.
"""

import ipaddress
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import hdrs
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from monitor.polling.addresses import Network, hosts_and_networks, non_public

if TYPE_CHECKING:
    from aiohttp.client_reqrep import ClientRequest
    from aiohttp.tracing import Trace

Origin = tuple[str, int | None]

# The host and port of the configured feed being fetched in this task, if any.
_configured: ContextVar[Origin | None] = ContextVar("configured_origin", default=None)


class OutboundRefusedError(aiohttp.ClientError):
    """A request the outbound policy does not allow (the message says why)."""


def _origin(host: str, port: int | None) -> Origin:
    return host.rstrip(".").lower(), port


def origin_of(url: str | URL) -> Origin | None:
    """(host, port) of `url`, the port defaulted by its scheme; None without a host."""
    parsed = URL(url) if isinstance(url, str) else url
    return None if parsed.raw_host is None else _origin(parsed.raw_host, parsed.port)


@contextmanager
def configured_origin(url: str | None) -> Iterator[None]:
    """Within this block (in this task), the host and port of `url`, a feed URL the operator
    configured, may be a non-public address."""
    token = _configured.set(origin_of(url) if url else None)
    try:
        yield
    finally:
        _configured.reset(token)


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """The non-public destinations the operator allows (`allow_private`): host names, whatever
    they resolve to, and networks (a single address is a network of one)."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    @classmethod
    def allowing(cls, allow_private: Iterable[str]) -> "OutboundPolicy":
        """The policy of an `allow_private` setting (already validated)."""
        return cls(*hosts_and_networks(allow_private))

    def refusal(self, host: str, address: str) -> str | None:
        """Why connecting to `address`, which `host` resolved to, is refused; None if allowed."""
        if _origin(host, None)[0] in self.hosts:
            return None
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return f"{address} is not an IP address"
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        kind = non_public(ip)
        if kind is None or any(ip in network for network in self.networks):
            return None
        shown = address if address == host else f"{host} ({address})"
        return f"{shown} is a {kind} address (not fetched unless allow_private lists it)"


class GuardedResolver(AbstractResolver):
    """Name resolution that drops the addresses the policy refuses; a name left with none is
    refused (`OutboundRefusedError`). Exempt origins resolve as they are."""

    def __init__(self, policy: OutboundPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self.exempt: set[Origin] = set()  # the proxies requests went through
        self._inner = inner or ThreadedResolver()

    def exempted(self, host: str, port: int | None) -> bool:
        """May (host, port) be any address: the configured feed being fetched, or a proxy?"""
        origin = _origin(host, port)
        return origin == _configured.get() or origin in self.exempt

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """`host`'s addresses that the policy allows."""
        found = await self._inner.resolve(host, port, family)
        if self.exempted(host, port):
            return found
        refusals = [self.policy.refusal(host, result["host"]) for result in found]
        kept = [result for result, why in zip(found, refusals, strict=True) if why is None]
        if not kept:
            raise OutboundRefusedError(next((why for why in refusals if why), host))
        return kept

    async def refuse_inward_name(self, host: str, port: int) -> None:
        """Through a proxy, which resolves the names it is asked for itself: refuse a name that
        resolves here only to addresses the policy refuses (`localhost`, an intranet's names).
        A name that does not resolve here is the proxy's to resolve."""
        try:
            found = await self._inner.resolve(host, port, socket.AF_UNSPEC)
        except OSError:
            return
        refusals = [self.policy.refusal(host, result["host"]) for result in found]
        if found and all(refusals):
            raise OutboundRefusedError(next(why for why in refusals if why))

    async def close(self) -> None:
        """Close the resolver it wraps."""
        await self._inner.close()


class GuardedConnector(aiohttp.TCPConnector):
    """A `TCPConnector` that resolves through a `GuardedResolver` around `resolver` (the
    system's by default; with no DNS cache: a cached answer would skip the check) and checks
    every request before handing it a connection, pooled or new."""

    def __init__(
        self, policy: OutboundPolicy, resolver: AbstractResolver | None = None, **kwargs: Any
    ) -> None:
        self._guard = GuardedResolver(policy, resolver)
        super().__init__(resolver=self._guard, use_dns_cache=False, **kwargs)

    async def connect(
        self, req: "ClientRequest", traces: "list[Trace]", timeout: aiohttp.ClientTimeout
    ) -> aiohttp.connector.Connection:
        """A connection for `req`, if the policy allows it (else `OutboundRefusedError`)."""
        await self._check(req)
        return await super().connect(req, traces, timeout)

    async def _check(self, req: "ClientRequest") -> None:
        if req.proxy is not None:  # the operator's proxy, never a feed's
            self._guard.exempt.add(_origin(req.proxy.raw_host or "", req.proxy.port))
        host = req.url.raw_host or ""
        if self._guard.exempted(host, req.port):
            return
        if hdrs.AUTHORIZATION in req.headers:  # aiohttp moves a URL's user:password there
            raise OutboundRefusedError(f"{req.url.host}: a URL with credentials")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if req.proxy is None:
                # Raises if every address is refused: a pooled connection is no way around.
                await self._guard.resolve(host, req.port or 0, socket.AF_UNSPEC)
            else:
                await self._guard.refuse_inward_name(host, req.port or 0)
            return
        refused = self._guard.policy.refusal(host, host)
        if refused is not None:
            raise OutboundRefusedError(refused)
