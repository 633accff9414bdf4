"""Where a website visit came from: source and medium from its landing page and referrer.

Precedence, first match wins:

| what the visit carries                          | source / medium               |
|-------------------------------------------------|-------------------------------|
| gclid, gbraid or wbraid                         | google / cpc                  |
| msclkid                                         | bing / cpc                    |
| fbclid                                          | facebook / cpc                |
| ttclid                                          | tiktok / cpc                  |
| li_fat_id                                       | linkedin / cpc                |
| utm_source=gbp (or a GBP alias)                 | google / gbp                  |
| utm_source (utm_medium, else "(none)")          | as tagged, lower case         |
| referrer on a search engine                     | <engine> / organic            |
| referrer on a social network                    | <network> / social            |
| referrer on the site itself                     | (direct) / (none)             |
| any other referrer                              | <referrer host> / referral    |
| no referrer                                     | (direct) / (none)             |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl

from ringtonic.services.url_parts import split_url, url_host

CLICK_ID_SOURCES = (
    ("gclid", "google"),
    ("gbraid", "google"),
    ("wbraid", "google"),
    ("msclkid", "bing"),
    ("fbclid", "facebook"),
    ("ttclid", "tiktok"),
    ("li_fat_id", "linkedin"),
)
GBP_SOURCES = frozenset({"gbp", "gmb", "google_business_profile", "googlebusinessprofile"})
# Registrable names (the label before the public suffix) of search engines and networks.
SEARCH_ENGINES = {
    "google": "google",
    "bing": "bing",
    "yahoo": "yahoo",
    "duckduckgo": "duckduckgo",
    "baidu": "baidu",
    "yandex": "yandex",
    "ecosia": "ecosia",
    "ask": "ask",
    "aol": "aol",
}
# Hosts whose search pages are a subdomain of a name that is otherwise something else.
SEARCH_HOSTS = {
    "search.brave.com": "brave",
    "search.yahoo.com": "yahoo",
    # Android's Google app sends its package name as the referrer host.
    "com.google.android.googlequicksearchbox": "google",
}
SOCIAL_NETWORKS = {
    "facebook": "facebook",
    "fb": "facebook",
    "instagram": "instagram",
    "t": "twitter",  # t.co
    "twitter": "twitter",
    "x": "twitter",
    "linkedin": "linkedin",
    "lnkd": "linkedin",
    "pinterest": "pinterest",
    "reddit": "reddit",
    "youtube": "youtube",
    "tiktok": "tiktok",
    "nextdoor": "nextdoor",
    "threads": "threads",
}
DIRECT = ("(direct)", "(none)")
MAX_LABEL = 100


@dataclass(frozen=True)
class Attribution:
    """A visit's source and medium, and the landing page's tags as they arrived."""

    source: str
    medium: str
    params: dict[str, str]


def landing_params(landing_page: str) -> dict[str, str]:
    """Return the landing page's query parameters (first value of each, names lower case)."""
    params: dict[str, str] = {}
    parts = split_url(landing_page)
    for name, value in parse_qsl(parts.query if parts else "", keep_blank_values=False):
        params.setdefault(name.strip().lower(), value.strip())
    return params


def _labels(host: str) -> list[str]:
    # The registrable label: "www.google.co.uk" -> "google", "l.facebook.com" -> "facebook".
    parts = [p for p in host.split(".") if p]
    if len(parts) >= 3 and len(parts[-1]) == 2 and parts[-2] in {"co", "com", "org", "net"}:
        parts = parts[:-2]
    elif len(parts) >= 2:
        parts = parts[:-1]
    return parts


def _same_site(host: str, site_host: str) -> bool:
    if not host or not site_host:
        return False
    bare = site_host.removeprefix("www.")
    return host in (bare, site_host) or host.endswith("." + bare)


def _label(text: str) -> str:
    return " ".join(text.split()).lower()[:MAX_LABEL]


def classify(landing_page: str, referrer: str) -> Attribution:
    """Return where a visit came from, by the rules in this module's table."""
    params = landing_params(landing_page)
    for name, source in CLICK_ID_SOURCES:
        if params.get(name):
            return Attribution(source, "cpc", params)
    tagged_source = _label(params.get("utm_source", ""))
    if tagged_source in GBP_SOURCES:
        return Attribution("google", "gbp", params)
    if tagged_source:
        return Attribution(tagged_source, _label(params.get("utm_medium", "")) or "(none)", params)
    host = url_host(referrer)
    if not host or _same_site(host, url_host(landing_page)):
        return Attribution(*DIRECT, params)
    if host in SEARCH_HOSTS:
        return Attribution(SEARCH_HOSTS[host], "organic", params)
    labels = _labels(host)
    registrable = labels[-1] if labels else host
    if registrable in SEARCH_ENGINES:
        return Attribution(SEARCH_ENGINES[registrable], "organic", params)
    if registrable in SOCIAL_NETWORKS:
        return Attribution(SOCIAL_NETWORKS[registrable], "social", params)
    return Attribution(host.removeprefix("www.")[:MAX_LABEL], "referral", params)


def tags_of(params: Mapping[str, str], names: tuple[str, ...], limit: int = 200) -> dict[str, str]:
    """Return the named parameters, trimmed to `limit` characters, blank when absent."""
    return {name: (params.get(name) or "")[:limit] for name in names}
