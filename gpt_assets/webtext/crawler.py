"""Fetch one WebText link politely and safely: robots.txt, per-host rate limits, retries, redirects checked per hop.

Politeness: robots.txt per origin (RFC 9309: 4xx = no rules, 5xx or unreachable =
the host is skipped; Crawl-delay honoured up to a cap), a minimum delay and a
concurrency limit per ``host:port``, retries with exponential backoff for 429, 5xx,
timeouts and connection errors, honouring Retry-After.  Safety (SSRF, size and time
caps): :mod:`gpt_assets.webtext.safefetch`, applied again at every redirect hop.
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin
from urllib.robotparser import RobotFileParser

from gpt_assets.webtext.safefetch import AddressPolicy, Exchange, FetchError, Limits, Target, fetch_once, parse_target

USER_AGENT = "gpt-assets-webtext/0.1 (+https://github.com/gpt-assets/gpt-assets; research crawler)"
REDIRECTS = (301, 302, 303, 307, 308)
ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309 §2.5: parse at least the first 500 KiB
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 §2.3.1.2
_ROBOTS_UNREACHABLE = ("timeout", "connection_error", "tls_error", "bad_response")


@dataclass(frozen=True)
class ScrapeSettings:
    user_agent: str = USER_AGENT
    concurrency: int = 16  # requests in flight over all hosts
    per_host_concurrency: int = 1
    min_delay: float = 1.0  # seconds between requests to one host (start after the previous start and end)
    max_crawl_delay: float = 10.0  # robots.txt Crawl-delay honoured up to this many seconds
    connect_timeout: float = 10.0
    read_timeout: float = 30.0  # per socket read
    max_seconds: float = 120.0  # one response, body included
    max_retries: int = 3  # for 429, 5xx, timeouts and connection errors
    backoff: float = 1.0  # first retry wait; doubles per retry
    max_backoff: float = 60.0  # longest wait; a longer Retry-After gives the link up
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    allow_hosts: tuple[str, ...] = ()  # host names or CIDR networks exempt from the private-address rule
    write_requests: bool = False  # also write WARC request records
    links_per_file: int = 500  # links per WARC part (and per progress commit)
    max_links: int = 0  # links to attempt this run; 0 = all
    retry_skipped: bool = False  # attempt links an earlier run skipped again

    def limits(self) -> Limits:
        return Limits(self.connect_timeout, self.read_timeout, self.max_seconds, self.max_bytes)




class _Host:
    def __init__(self, delay: float, slots: int):
        self.lock = threading.Lock()
        self.slots = threading.Semaphore(slots)
        self.delay = delay
        self.next_at = 0.0


class HostSlots:
    """Per host (``host:port``): at most N requests in flight; a start waits ``delay`` after the last start and end."""

    def __init__(self, delay: float, per_host: int):
        self.delay, self.per_host = delay, max(1, per_host)
        self._hosts: dict[str, _Host] = {}
        self._lock = threading.Lock()

    def _host(self, key: str) -> _Host:
        with self._lock:
            return self._hosts.setdefault(key, _Host(self.delay, self.per_host))

    @contextmanager
    def slot(self, key: str) -> Iterator[None]:
        host = self._host(key)
        host.slots.acquire()
        try:
            with host.lock:
                now = time.monotonic()
                start = max(now, host.next_at)
                host.next_at = start + host.delay
            if start > now:
                time.sleep(start - now)
            yield
        finally:
            with host.lock:
                host.next_at = max(host.next_at, time.monotonic() + host.delay)
            host.slots.release()

    def pause(self, key: str, seconds: float) -> None:
        host = self._host(key)
        with host.lock:
            host.next_at = max(host.next_at, time.monotonic() + seconds)

    def slow_down(self, key: str, delay: float) -> None:
        """Raise the host's delay (a robots.txt Crawl-delay), from now on."""
        host = self._host(key)
        with host.lock:
            host.delay = max(host.delay, delay)
            host.next_at = max(host.next_at, time.monotonic() + host.delay)


def crawl_delay(lines: list[str], user_agent: str) -> float | None:
    """The Crawl-delay of the group that applies to ``user_agent`` (fractions allowed; the stdlib reads integers)."""
    token = user_agent.split("/", 1)[0].lower()
    groups: list[tuple[list[str], float | None]] = []
    agents: list[str] = []
    in_rules = False
    for raw in lines:
        name, sep, value = raw.split("#", 1)[0].partition(":")
        name, value = name.strip().lower(), value.strip()
        if not sep:
            continue
        if name == "user-agent":
            if in_rules:
                agents, in_rules = [], False
            if not agents:
                groups.append((agents, None))
            agents.append(value.lower())
        elif groups:
            in_rules = True
            if name == "crawl-delay":
                try:
                    groups[-1] = (groups[-1][0], float(value))
                except ValueError:
                    pass
    for group_agents, delay in groups:
        if any(a != "*" and a in token for a in group_agents):
            return delay  # our own group rules, Crawl-delay or not
    return next((d for a, d in groups if "*" in a), None)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _retryable_status(status: int) -> bool:
    return status == 429 or (500 <= status < 600 and status not in (501, 505))


@dataclass
class LinkResult:
    chain: list[Exchange]  # every response received, redirect hops first
    reason: str  # '' when fetched
    detail: str = ""
    attempts: int = 0

    @property
    def ok(self) -> bool:
        return not self.reason


class Fetcher:
    """Fetch links politely and safely; thread-safe."""

    def __init__(self, settings: ScrapeSettings):
        self.s = settings
        self.policy = AddressPolicy(settings.allow_hosts)
        self.limits = settings.limits()
        self.robot_limits = Limits(settings.connect_timeout, settings.read_timeout, settings.max_seconds,
                                   ROBOTS_MAX_BYTES)
        self.hosts = HostSlots(settings.min_delay, settings.per_host_concurrency)
        self._robots: dict[str, RobotFileParser | str] = {}
        self._robot_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def request(self, target: Target, robots: bool = False) -> tuple[Exchange, int]:
        """One GET with retries: (the last response, attempts); FetchError when no response came."""
        s = self.s
        for attempt in range(s.max_retries + 1):
            wait_s = 0.0
            with self.hosts.slot(target.hostport):
                try:
                    ex = fetch_once(target.url, self.policy, s.user_agent, self.robot_limits if robots else self.limits,
                                    truncate=robots)
                except FetchError as exc:
                    if not exc.retryable or attempt == s.max_retries:
                        exc.attempts = attempt + 1
                        raise
                    wait_s = min(s.backoff * 2 ** attempt, s.max_backoff)
                else:
                    if not _retryable_status(ex.status) or attempt == s.max_retries:
                        return ex, attempt + 1
                    wait_s = max(min(s.backoff * 2 ** attempt, s.max_backoff),
                                 retry_after_seconds(ex.header("Retry-After")) or 0.0)
                    if wait_s > s.max_backoff:  # coming back before Retry-After would be rude: give up
                        return ex, attempt + 1
            self.hosts.pause(target.hostport, wait_s)
        raise AssertionError("unreachable")

    def robots_verdict(self, target: Target) -> str:
        """'' if robots.txt lets us fetch ``target``, else the skip reason."""
        origin = target.origin
        with self._lock:
            lock = self._robot_locks.setdefault(origin, threading.Lock())
        with lock:
            if origin not in self._robots:
                self._robots[origin] = self._load_robots(target)
        rules = self._robots[origin]
        if isinstance(rules, str):
            return rules
        return "" if rules.can_fetch(self.s.user_agent, target.url) else "robots_disallowed"

    def _load_robots(self, target: Target) -> RobotFileParser | str:
        url = target.origin + "/robots.txt"
        rules = RobotFileParser(url)
        for hop in range(ROBOTS_MAX_REDIRECTS + 1):
            try:
                ex, _ = self.request(parse_target(url), robots=True)
            except FetchError as exc:
                # the origin itself: its pages would fail the same way; a redirect hop: robots unreachable
                return "robots_unavailable" if hop or exc.reason in _ROBOTS_UNREACHABLE else exc.reason
            location = ex.header("Location")
            if ex.status in REDIRECTS and location:
                url = urljoin(ex.url, location.strip())
                continue
            break
        else:
            ex = None  # too many redirects: RFC 9309 treats it as unavailable (4xx)
        if ex is not None and 200 <= ex.status < 300:
            lines = ex.body.decode("utf-8", "replace").splitlines()
            rules.parse(lines)
            delay = crawl_delay(lines, self.s.user_agent)
            if delay:
                self.hosts.slow_down(target.hostport, min(float(delay), self.s.max_crawl_delay))
        elif ex is None or 400 <= ex.status < 500:
            rules.parse([])  # no rules: everything allowed
        else:
            return "robots_unavailable"  # 5xx (after retries) or another status: assume complete disallow
        return rules

    def fetch_link(self, url: str) -> LinkResult:
        chain: list[Exchange] = []
        attempts = 0
        try:
            for _ in range(self.s.max_redirects + 1):
                target = parse_target(url)
                verdict = self.robots_verdict(target)
                if verdict:
                    return LinkResult(chain, verdict, target.url, attempts)
                ex, n = self.request(target)
                attempts += n
                chain.append(ex)
                location = ex.header("Location")
                if ex.status in REDIRECTS and location:
                    url = urljoin(ex.url, location.strip())
                    continue
                if 200 <= ex.status < 300:
                    return LinkResult(chain, "", "", attempts)
                return LinkResult(chain, f"http_error_{ex.status}", ex.url, attempts)
        except FetchError as exc:
            return LinkResult(chain, exc.reason, exc.detail, attempts + exc.attempts)
        return LinkResult(chain, "too_many_redirects", f"more than {self.s.max_redirects}: last {url}", attempts)


def interleave_by_host(links: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """Round-robin over hosts (order kept within a host), so that workers spread over hosts."""
    queues: dict[str, deque] = {}
    for link in links:
        try:
            host = parse_target(link[1]).hostport
        except FetchError:
            host = ""
        queues.setdefault(host, deque()).append(link)
    out: list[tuple[str, str]] = []
    while queues:
        for host in list(queues):
            out.append(queues[host].popleft())
            if not queues[host]:
                del queues[host]
    return out
