"""URL normalization: the forms of one link that Reddit users submit become one key.

Rules (the paper is silent; these follow OpenWebText's practice): scheme ignored
(the key has none), host lower-cased with ``www.`` / ``m.`` and default ports
dropped, fragment dropped, tracking parameters dropped, the other query
parameters sorted, percent-escapes of unreserved characters decoded, trailing
slashes removed.  The path keeps its case (servers treat it as case-sensitive).
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "hmb_")
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "ref", "ref_src", "ref_url", "referrer", "source",
     "share", "spm", "cmpid", "ncid", "soc_src", "soc_trk", "__twitter_impression", "_hsenc", "_hsmi", "rss"}
)
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")


def _is_tracking(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def host_of(url: str) -> str:
    """The lower-cased host without port and without a ``www.``-like prefix ('' if unparsable)."""
    try:
        host = (urlsplit(url.strip()).hostname or "").rstrip(".")
    except ValueError:
        return ""
    for prefix in _HOST_PREFIXES:
        if host.startswith(prefix) and host.count(".") >= 2:
            host = host[len(prefix):]
            break
    return host


def normalize_url(url: str) -> str | None:
    """The key of a URL (``host/path?sorted-query``), or None if it is not an http(s) URL."""
    raw = url.strip()
    if "://" not in raw and raw.lower().startswith("www."):
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        scheme = parts.scheme.lower()
        host = host_of(raw)
        port = parts.port
    except ValueError:
        return None
    if scheme not in ("http", "https") or not host:
        return None
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    path = quote(unquote(parts.path), safe="/:@!$&'()*+,;=-._~%") or "/"
    while path.endswith("/") and len(path) > 1:
        path = path[:-1]
    if path == "/":
        path = ""
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    q = urlencode(sorted(query))
    return f"{netloc}{path}" + (f"?{q}" if q else "")


def is_wikipedia(host: str) -> bool:
    """GPT-2 removed all Wikipedia documents (they are common in other datasets)."""
    return host == "wikipedia.org" or host.endswith(".wikipedia.org")
