"""The outbound policy's judgement of addresses and links, and the `allow_private` setting."""

import ipaddress
from pathlib import Path

import pytest

from monitor.config.load import ConfigError, load_config
from monitor.polling.addresses import link_refusal, non_public
from monitor.polling.outbound import OutboundPolicy


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.2", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.2", "loopback"),  # IPv4 inside IPv6
        ("10.1.2.3", "private"),
        ("192.168.0.1", "private"),
        ("172.16.5.4", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata services live here
        ("fe80::1", "link-local"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "non-public"),  # carrier-grade NAT
        ("240.0.0.1", "private"),
        ("93.184.215.14", None),
        ("2a00:1450:4007:80c::200e", None),
    ],
)
def test_non_public_kinds(address: str, kind: str | None) -> None:
    assert non_public(ipaddress.ip_address(address)) == kind


def test_allow_private_admits_its_hosts_and_networks_only() -> None:
    policy = OutboundPolicy.allowing(["10.0.0.0/8", "192.168.1.20", "Intranet.Example."])
    assert policy.refusal("10.9.8.7", "10.9.8.7") is None
    assert policy.refusal("nas", "192.168.1.20") is None
    assert policy.refusal("intranet.example", "172.16.0.1") is None  # a name: any address
    assert policy.refusal("news.example", "93.184.215.14") is None
    assert policy.refusal("nas", "192.168.1.21") == (
        "nas (192.168.1.21) is a private address (not fetched unless allow_private lists it)"
    )
    assert policy.refusal("::ffff:10.1.1.1", "::ffff:10.1.1.1") is None  # mapped into 10/8
    assert "not an IP address" in (policy.refusal("x", "nonsense") or "")


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ("https://news.example.org/a?b=1", None),
        ("HTTP://news.example.org/", None),
        ("http://news.example.org@127.0.0.2/secret", "a URL with credentials"),
        ("https://user:pw@news.example.org/", "a URL with credentials"),
        ("file:///etc/shadow", "not an http(s) URL"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "not an http(s) URL"),
        ("/relative/path", "not an http(s) URL"),
    ],
)
def test_links_fetched_only_over_http_without_credentials(link: str, why: str | None) -> None:
    assert link_refusal(link) == why


def test_allow_private_entries_are_checked(tmp_path: Path) -> None:
    monitor = tmp_path / "monitor.toml"
    monitor.write_text(
        '[monitor]\nallow_private = ["10.0.0.0/8", "::1", "[fd00::1]", "nas.local"]\n'
        '[channels.desk]\nurls = ["console://"]\n',
        encoding="utf-8",
    )
    assert load_config(tmp_path).settings.allow_private == (
        "10.0.0.0/8",
        "::1",
        "[fd00::1]",
        "nas.local",
    )
    monitor.write_text(
        '[monitor]\nallow_private = ["10.0.0.0/33"]\n[channels.desk]\nurls = ["console://"]\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.errors == [
        f"{monitor}: [monitor] allow_private: '10.0.0.0/33' is neither a host name, an address "
        'nor a network (e.g. "intranet.example", "10.1.2.3", "10.0.0.0/8")'
    ]
