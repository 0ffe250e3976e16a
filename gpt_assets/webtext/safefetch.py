"""One HTTP exchange, safe against links that point inward (SSRF).

Only http/https. The host is resolved here and every address it resolves to is
checked (private, loopback, link-local, multicast, reserved, unspecified, cloud
metadata, and IPv6 forms embedding such IPv4 addresses are refused); the
connection then goes to the checked address, never to a second resolution.
Redirects are not followed here: the caller checks each hop again.  An explicit
allow-list (host names or CIDR networks) bypasses the address rule.

Bodies are capped (``max_bytes``, also after gzip/deflate decoding) and bounded in
time (connect and per-read timeouts plus a total deadline).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and host-agent endpoints, refused even where an address is otherwise public.
METADATA_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "169.254.169.254/32",  # AWS, GCP, Azure, OpenStack, DigitalOcean
    "169.254.170.2/32",  # AWS ECS task metadata
    "fd00:ec2::254/128",  # AWS IMDS over IPv6
    "100.100.100.200/32",  # Alibaba Cloud
    "168.63.129.16/32",  # Azure WireServer (a public address)
    "192.0.0.192/32",  # Oracle Cloud
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SAFE_PATH = "/:@!$&'()*+,;=-._~%"
_SAFE_QUERY = _SAFE_PATH + "?"


class FetchError(Exception):
    """A request that produced no usable response; ``reason`` is the skip reason recorded for the link."""

    def __init__(self, reason: str, detail: str = "", retryable: bool = False):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.retryable = retryable
        self.attempts = 0  # set by the retrying caller


def refused_reason(ip: Address) -> str:
    """Why an address may not be contacted ('' if it may)."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and ip in NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None and refused_reason(embedded):
            return "private_address"
    if any(ip in net for net in METADATA_NETWORKS):
        return "metadata_address"
    if (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global):
        return "private_address"
    return ""


class AddressPolicy:
    """Resolve a host and pick an address that may be contacted, or raise a FetchError saying why not."""

    def __init__(self, allow_hosts: Sequence[str] = ()):
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for entry in allow_hosts:
            try:
                self.networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                self.names.add(entry.strip().lower().rstrip("."))

    def _allowed(self, host: str, ip: Address) -> bool:
        return host in self.names or any(ip in net for net in self.networks)

    def resolve(self, host: str, port: int) -> list[str]:
        """Every address of ``host`` (deduplicated, in the resolver's order), all of them allowed."""
        host = host.lower().rstrip(".")
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            retry = exc.errno == socket.EAI_AGAIN
            raise FetchError("dns_error", f"{host}: {exc}", retryable=retry) from exc
        except (UnicodeError, OSError) as exc:
            raise FetchError("dns_error", f"{host}: {exc}") from exc
        addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
        if not addresses:
            raise FetchError("dns_error", f"{host}: no address")
        for ip in addresses:  # one refused address refuses the host: no picking around a rebinding answer
            reason = "" if self._allowed(host, ip) else refused_reason(ip)
            if reason:
                raise FetchError(reason, f"{host} resolves to {ip}")
        return list(dict.fromkeys(str(ip) for ip in addresses))


@dataclass
class Exchange:
    """One request and its response, as the WARC records it."""

    url: str  # the request URL (ASCII: IDNA host, percent-encoded path)
    ip: str
    started: datetime
    request: bytes  # the request head as sent
    status: int
    reason: str
    version: str  # "HTTP/1.1"
    headers: list[tuple[str, str]]  # as received, minus framing we undid (see ``http_block``)
    body: bytes
    notes: list[str] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        low = name.lower()
        return next((v for k, v in self.headers if k.lower() == low), None)

    def http_block(self) -> bytes:
        """Status line, headers and body; Content-Length states the body's real length."""
        head = f"{self.version} {self.status} {self.reason}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in self.headers) + f"Content-Length: {len(self.body)}\r\n\r\n"
        return head.encode("latin-1", "replace") + self.body


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # ASCII (IDNA)
    port: int
    path: str  # path and query, percent-encoded

    @property
    def hostport(self) -> str:
        default = 443 if self.scheme == "https" else 80
        return self.host if self.port == default else f"{self.host}:{self.port}"

    @property
    def origin(self) -> str:
        return f"{self.scheme}://{self.hostport}"

    @property
    def url(self) -> str:
        return self.origin + self.path


def parse_target(url: str) -> Target:
    """The request target of an http(s) URL, or a FetchError (scheme_not_allowed, invalid_url)."""
    try:
        parts = urlsplit(url.strip())
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise FetchError("scheme_not_allowed", scheme or "(none)")
        host = (parts.hostname or "").rstrip(".")
        if not host:
            raise FetchError("invalid_url", "no host")
        if not _is_ip(host):
            host = host.encode("idna").decode("ascii")
        port = parts.port or (443 if scheme == "https" else 80)
    except (ValueError, UnicodeError) as exc:
        raise FetchError("invalid_url", str(exc)) from exc
    path = quote(parts.path or "/", safe=_SAFE_PATH)
    if parts.query:
        path += "?" + quote(parts.query, safe=_SAFE_QUERY)
    return Target(scheme, f"[{host}]" if ":" in host else host, port, path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the host name would resolve to now."""

    def __init__(self, host: str, port: int, ips: list[str], connect_timeout: float, read_timeout: float):
        super().__init__(host, port, timeout=read_timeout)
        self.ips, self.connect_timeout, self.read_timeout = ips, connect_timeout, read_timeout
        self.ip = ips[0]

    def _socket(self) -> socket.socket:
        """A connection to the first checked address that answers."""
        error: OSError | None = None
        for ip in self.ips:
            try:
                sock = socket.create_connection((ip, self.port), self.connect_timeout)
            except OSError as exc:
                error = exc
                continue
            sock.settimeout(self.read_timeout)
            self.ip = ip
            return sock
        raise error or OSError("no address")

    def connect(self) -> None:
        self.sock = self._socket()


class _PinnedHTTPS(_PinnedHTTP):
    default_port = 443

    def __init__(self, *args, context: ssl.SSLContext, **kw):
        super().__init__(*args, **kw)
        self.context = context

    def connect(self) -> None:
        self.sock = self.context.wrap_socket(self._socket(), server_hostname=self.host.strip("[]"))


_TLS = ssl.create_default_context()


@dataclass(frozen=True)
class Limits:
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    max_seconds: float = 120.0  # total time for one response, body included
    max_bytes: int = 10 * 1024 * 1024


def fetch_once(url: str, policy: AddressPolicy, user_agent: str, limits: Limits,
               truncate: bool = False) -> Exchange:
    """GET ``url`` once (no redirects followed). Over ``max_bytes``: FetchError too_large, or cut if ``truncate``."""
    target = parse_target(url)
    ips = policy.resolve(target.host.strip("[]"), target.port)
    args = (target.host.strip("[]"), target.port, ips, limits.connect_timeout, limits.read_timeout)
    conn = _PinnedHTTPS(*args, context=_TLS) if target.scheme == "https" else _PinnedHTTP(*args)
    headers = [("Host", target.hostport), ("User-Agent", user_agent),
               ("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"), ("Accept-Encoding", "identity"),
               ("Connection", "close")]
    request = f"GET {target.path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    started = datetime.now(UTC)
    deadline = time.monotonic() + limits.max_seconds
    try:
        conn.putrequest("GET", target.path, skip_host=True, skip_accept_encoding=True)
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders()
        resp = conn.getresponse()
        declared = resp.getheader("Content-Length")
        if not truncate and declared and declared.isdigit() and int(declared) > limits.max_bytes:
            raise FetchError("too_large", f"Content-Length {declared} > {limits.max_bytes}")
        body, notes = _read_body(resp, limits, deadline, truncate)
        drop = {"transfer-encoding", "content-length"} | ({"content-encoding"} if "decoded" in notes else set())
        kept = [(k, v) for k, v in resp.msg.items() if k.lower() not in drop]
        version = "HTTP/1.0" if resp.version == 10 else "HTTP/1.1"
        return Exchange(target.url, conn.ip, started, request.encode("ascii"), resp.status, resp.reason or "", version,
                        kept, body, notes)
    except FetchError:
        raise
    except TimeoutError as exc:
        raise FetchError("timeout", f"{target.hostport}: {exc}", retryable=True) from exc
    except ssl.SSLError as exc:
        raise FetchError("tls_error", str(exc)) from exc
    except (http.client.RemoteDisconnected, http.client.IncompleteRead, ConnectionError) as exc:
        raise FetchError("connection_error", f"{target.hostport}: {exc!r}", retryable=True) from exc
    except http.client.HTTPException as exc:
        raise FetchError("bad_response", f"{target.hostport}: {exc!r}") from exc
    except OSError as exc:
        raise FetchError("connection_error", f"{target.hostport}: {exc}", retryable=True) from exc
    finally:
        conn.close()


def _read_body(resp: http.client.HTTPResponse, limits: Limits, deadline: float,
               truncate: bool) -> tuple[bytes, list[str]]:
    """The body, gzip/deflate undone, at most ``max_bytes`` (decoded), within the deadline."""
    encoding = (resp.getheader("Content-Encoding") or "").strip().lower()
    inflate = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None  # 47: gzip or zlib
    out = bytearray()
    notes: list[str] = []
    while True:
        if time.monotonic() > deadline:
            raise FetchError("timeout", f"body not read within {limits.max_seconds:g} s", retryable=True)
        chunk = resp.read1(1 << 16)
        if not chunk:
            break
        if inflate is not None:
            try:
                chunk = inflate.decompress(chunk, limits.max_bytes + 1 - len(out))
            except zlib.error as exc:
                raise FetchError("bad_response", f"Content-Encoding {encoding}: {exc}") from exc
        out += chunk
        if len(out) > limits.max_bytes:
            if truncate:
                notes.append("truncated")
                del out[limits.max_bytes:]
                break
            raise FetchError("too_large", f"body over {limits.max_bytes} bytes")
    if inflate is not None:
        notes.append("decoded")
    return bytes(out), notes
