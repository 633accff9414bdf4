"""Demo website tracking: each demo client's site, its number pool and months of visits.

Visits are made after the calls, from the same seed: a share of the calls to a client's
"Website header" number become calls from a tracked visit. Such a call moves to the pool
number its visit held, takes the visit's source and medium and links to it, and is
recounted in the rollups. Leases are handed out as the tracker does (least recently used
first, the longest-idle lease taken over when none is free), so every linked call is the
one the tracker's own attribution rule finds.
"""

from __future__ import annotations

import base64
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, insert, select, update

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber
from ringtonic.models.website import (
    CLICK_IDS,
    UTM_TAGS,
    NumberLease,
    VisitorSession,
    WebsiteSettings,
)
from ringtonic.services.demo.data import DAYS, Calendar, Picker, SeededClient
from ringtonic.services.demo.places import ELSEWHERE
from ringtonic.services.reporting.rollups import lock_rollups, recounting_calls
from ringtonic.services.telephony.numbers import NumberDetails, add_number
from ringtonic.services.tracking.settings import TrackerChoices, save_settings
from ringtonic.services.tracking.sources import classify, tags_of

# Of the calls to a client's website number, the share that came from a tracked visit.
TRACKED_SHARE = 0.75
# Visits that only browse, per visit that calls: about one visit in seven calls.
BROWSING_PER_CALL = 5
RETURNING_SHARE = 0.15
CHUNK = 2_000
# Where visits come from: (kind, weight) for browsing visits and for visits that call.
TRAFFIC = {
    "organic": (40, 30),
    "cpc": (22, 36),
    "direct": (16, 14),
    "social": (9, 6),
    "gbp": (8, 11),
    "bing": (3, 2),
    "referral": (2, 1),
}


@dataclass(frozen=True)
class DemoSite:
    """A demo client's website: its domain, pages, ad keywords and number pool."""

    domain: str
    pages: tuple[str, ...]
    ad_campaign: str
    keywords: tuple[str, ...]
    pool_size: int


SITES = {
    "Austin Pro Plumbing": DemoSite(
        "austinproplumbing.example",
        ("/", "/drain-cleaning", "/water-heater-repair", "/emergency-plumber", "/leak-detection"),
        "austin-plumbing-search",
        ("plumber near me", "emergency plumber austin", "water heater repair", "clogged drain"),
        10,
    ),
    "Mile High Roofing": DemoSite(
        "milehighroofing.example",
        ("/", "/roof-repair", "/roof-replacement", "/hail-damage", "/gutters"),
        "denver-roofing-search",
        ("roof repair denver", "hail damage roof", "roofing contractor near me", "roof leak"),
        8,
    ),
    "Bayside Family Dental": DemoSite(
        "baysidefamilydental.example",
        ("/", "/teeth-cleaning", "/dental-implants", "/emergency-dentist", "/invisalign"),
        "tampa-dentist-search",
        ("dentist near me", "emergency dentist tampa", "dental implants cost", "invisalign"),
        8,
    ),
}


def _pool_number(forwarding_number: str, n: int) -> str:
    # The client's own fictional 555-01xx block: the header numbers use 0111 and up.
    return f"{forwarding_number[:-2]}{21 + n:02d}"


def ensure_demo_websites(clients: list[SeededClient], now: datetime) -> None:
    """Give each client's website campaign its pool and its workspace tracker settings."""
    since = now - timedelta(days=DAYS + 1)
    for seeded in clients:
        _ensure_website(seeded, since, now)


def _ensure_website(seeded: SeededClient, since: datetime, now: datetime) -> None:
    site = SITES[seeded.client.name]
    workspace = seeded.workspace
    campaign = db.session.scalar(
        select(Campaign).where(Campaign.workspace_id == workspace.id, Campaign.type == "website")
    )
    if campaign is None:
        return
    existing = set(
        db.session.scalars(
            select(PhoneNumber.number).where(PhoneNumber.workspace_id == workspace.id)
        )
    )
    for n in range(site.pool_size):
        number = _pool_number(seeded.client.forwarding_number, n)
        if number not in existing:
            details = NumberDetails(
                number=number,
                forwarding_number=seeded.client.forwarding_number,
                friendly_name=f"Website pool {n + 1}",
                campaign=str(campaign.uuid),
            )
            add_number(workspace, details).created_at = since
    if db.session.get(WebsiteSettings, workspace.id) is None:
        choices = TrackerChoices(
            campaign_uuid=str(campaign.uuid),
            allowed_domains=site.domain,
            replace_numbers=seeded.client.forwarding_number,
            lease_minutes=30,
            cooldown_minutes=10,
            form_fields=True,
            require_consent=False,
            honor_gpc=True,
        )
        settings = save_settings(workspace, choices)
        settings.last_seen_at = now - timedelta(minutes=4)
        settings.last_seen_page = f"https://www.{site.domain}/"


@dataclass
class _Visit:
    started_at: datetime
    last_seen_at: datetime
    call_id: int | None = None
    call_at: datetime | None = None
    # Where the caller is, as the phone network told: the visit is the same person.
    caller_place: tuple[str, str, str] = ("", "", "")
    number_id: int | None = None
    number_until: datetime | None = None
    took_over: bool = False
    row: dict[str, Any] = field(default_factory=dict[str, Any])


class _Pool:
    """The tracker's lease rules, replayed over visits in the order they started."""

    def __init__(self, number_ids: list[int], lease: timedelta, cooldown: timedelta) -> None:
        self.free_at: dict[int, datetime | None] = dict.fromkeys(number_ids)
        self.holder: dict[int, _Visit | None] = dict.fromkeys(number_ids)
        self.lease, self.cooldown = lease, cooldown

    def lease_to(self, visit: _Visit) -> None:
        at = visit.started_at
        free = [n for n, free_at in self.free_at.items() if free_at is None or free_at <= at]
        if free:
            # Never leased first, then the one free the longest.
            number = min(free, key=lambda n: (self.free_at[n] is not None, self.free_at[n], n))
        else:
            # Every number is held: the visit takes over the one that frees first.
            held = {n: free_at for n, free_at in self.free_at.items() if free_at is not None}
            number = min(held, key=lambda n: (held[n], n))
            previous = self.holder[number]
            if previous is None or previous.number_until is None:
                raise RuntimeError(f"number {number} is held by no visit")
            previous.number_until = min(previous.number_until, at)
            visit.took_over = True
        visit.number_id = number
        visit.number_until = visit.last_seen_at + self.lease
        self.free_at[number] = visit.number_until + self.cooldown
        self.holder[number] = visit


def _token(rng: random.Random, length: int) -> str:
    """Return `length` URL-safe characters, like an ad platform's click id."""
    raw = rng.getrandbits(6 * length).to_bytes(math.ceil(6 * length / 8), "big")
    return base64.urlsafe_b64encode(raw).decode()[:length]


def _arrival(rng: random.Random, site: DemoSite, kind: str) -> tuple[str, str]:
    """Return a landing page and referrer for a visit of this kind."""
    base = f"https://www.{site.domain}{rng.choice(site.pages)}"
    if kind == "cpc":
        tags = {
            "utm_source": "google",
            "utm_medium": "cpc",
            "utm_campaign": site.ad_campaign,
            "utm_term": rng.choice(site.keywords),
            "gclid": "Cj0KCQ" + _token(rng, 40),
        }
        return f"{base}?{urlencode(tags)}", "https://www.google.com/"
    if kind == "gbp":
        tags = {"utm_source": "gbp", "utm_medium": "organic", "utm_campaign": "listing"}
        return f"https://www.{site.domain}/?{urlencode(tags)}", "https://www.google.com/"
    referrers = {
        "organic": ("https://www.google.com/",),
        "social": ("https://m.facebook.com/", "https://l.facebook.com/"),
        "bing": ("https://www.bing.com/",),
        "referral": ("https://www.yelp.com/", "https://nextdoor.com/"),
        "direct": ("",),
    }
    return base, rng.choice(referrers[kind])


# (visitor id, first touch, GA client id, (city, state, country))
_Visitor = tuple[uuid.UUID, tuple[str, str], str, tuple[str, str, str]]


class _Visitors:
    """Who visits: new people mostly, some returning with their first touch and GA ids."""

    def __init__(self, seeded: SeededClient) -> None:
        places = seeded.client.places
        self.local = Picker(places, [p.weight for p in places])
        self.elsewhere = Picker(ELSEWHERE, [p.weight for p in ELSEWHERE])
        self.known: list[_Visitor] = []

    def next(self, rng: random.Random, started_at: datetime, touch: tuple[str, str]) -> _Visitor:
        """Return (visitor id, first touch, GA client id, (city, state, country))."""
        if self.known and rng.random() < RETURNING_SHARE:
            return self.known[rng.randrange(len(self.known))]
        roll = rng.random()
        if roll < 0.05:  # an address the GeoIP database does not place
            location = ("", "", "")
        else:
            place = (self.elsewhere if roll < 0.13 else self.local).pick(rng)
            location = (place.city, place.state, "US")
        ga_client = f"{rng.randrange(10**8, 10**10)}.{int(started_at.timestamp())}"
        visitor = (uuid.UUID(int=rng.getrandbits(128), version=4), touch, ga_client, location)
        self.known.append(visitor)
        return visitor


# Traffic kinds for visits that only browse (False) and for visits that call (True).
_KINDS = {calls: Picker(TRAFFIC, [w[calls] for w in TRAFFIC.values()]) for calls in (False, True)}


def _describe(rng: random.Random, visit: _Visit, seeded: SeededClient, visitors: _Visitors) -> None:
    site = SITES[seeded.client.name]
    landing, referrer = _arrival(rng, site, _KINDS[visit.call_id is not None].pick(rng))
    attribution = classify(landing, referrer)
    touch = (attribution.source, attribution.medium)
    visitor_id, first, ga_client, (city, state, country) = visitors.next(
        rng, visit.started_at, touch
    )
    if visit.caller_place[0]:
        city, state, country = visit.caller_place
    with_ga = ga_client if visitor_id.int % 7 else ""  # some visitors block analytics
    visit.row = {
        "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
        "workspace_id": seeded.workspace.id,
        "visitor_id": visitor_id,
        "started_at": visit.started_at,
        "last_seen_at": visit.last_seen_at,
        "landing_page": landing,
        "referrer": referrer,
        "source": attribution.source,
        "medium": attribution.medium,
        "first_touch_source": first[0],
        "first_touch_medium": first[1],
        "ga_client_id": with_ga,
        "ga_session_id": str(int(visit.started_at.timestamp())) if with_ga else "",
        "city": city,
        "state": state,
        "country": country,
        **tags_of(attribution.params, UTM_TAGS + CLICK_IDS),
    }


def _visits(
    rng: random.Random, seeded: SeededClient, calls: Sequence[Sequence[Any]], now: datetime
) -> list[_Visit]:
    visits = []
    for call_id, call_at, *caller_place in calls:
        if rng.random() >= TRACKED_SHARE:
            continue
        # The visitor read for a few minutes, called, and closed the page soon after.
        before = min(max(int(rng.lognormvariate(math.log(300), 0.7)), 20), 1800)
        after = rng.randint(0, 240)
        last_seen = min(call_at + timedelta(seconds=after), now)
        started = call_at - timedelta(seconds=before)
        visits.append(_Visit(started, last_seen, call_id, call_at, tuple(caller_place)))
    calendar = Calendar(seeded.client.time_zone, now)
    for timestamp in calendar.sorted_times(rng, len(visits) * BROWSING_PER_CALL):
        started = datetime.fromtimestamp(timestamp, UTC)
        stay = min(max(int(rng.lognormvariate(math.log(70), 1.0)), 5), 1800)
        visits.append(_Visit(started, min(started + timedelta(seconds=stay), now)))
    visits.sort(key=lambda v: (v.started_at, v.call_id or 0))
    return visits


_LINK_CALL = (
    update(Call.__table__)
    .where(Call.__table__.c.id == bindparam("call_id"))
    .values(
        phone_number_id=bindparam("number_id"),
        tracking_number=bindparam("number"),
        source=bindparam("visit_source"),
        medium=bindparam("visit_medium"),
        visitor_session_id=bindparam("visit_id"),
        # Linked as the call rang, not changed later: no new "last changed" time.
        updated_at=Call.__table__.c.updated_at,
    )
)


def add_demo_visits(seeded: SeededClient, seed: int, now: datetime) -> int:
    """Make the client's website visits and link the calls they made; return the visits."""
    workspace = seeded.workspace
    settings = db.session.get(WebsiteSettings, workspace.id)
    if settings is None or settings.campaign_id is None:
        return 0
    campaign_numbers = db.session.execute(
        select(PhoneNumber.id, PhoneNumber.number, PhoneNumber.source)
        .where(PhoneNumber.campaign_id == settings.campaign_id)
        .order_by(PhoneNumber.number)
    ).all()
    pool = {n.id: n.number for n in campaign_numbers if not n.source}
    header_ids = [n.id for n in campaign_numbers if n.source]
    if not pool or not header_ids:
        return 0
    calls = db.session.execute(
        select(Call.id, Call.started_at, Call.caller_city, Call.caller_state, Call.caller_country)
        .where(Call.workspace_id == workspace.id, Call.phone_number_id.in_(header_ids))
        .order_by(Call.started_at, Call.id)
    ).all()
    rng = random.Random(f"{seed}:{seeded.client.name}:website")
    visits = _visits(rng, seeded, calls, now)
    lease = timedelta(minutes=settings.lease_minutes)
    leases = _Pool(sorted(pool), lease, timedelta(minutes=settings.cooldown_minutes))
    visitors = _Visitors(seeded)
    for visit in visits:
        leases.lease_to(visit)
        _describe(rng, visit, seeded, visitors)
    for start in range(0, len(visits), CHUNK):
        _store(visits[start : start + CHUNK], settings.campaign_id, pool)
    _store_leases(leases, workspace.id)
    return len(visits)


def _leased(visit: _Visit) -> tuple[int, datetime]:
    """Return the visit's number and until when it held it (every stored visit has one)."""
    if visit.number_id is None or visit.number_until is None:
        raise RuntimeError("a visit is stored before it was leased a number")
    return visit.number_id, visit.number_until


def _store(visits: list[_Visit], campaign_id: int, pool: dict[int, str]) -> None:
    leased = [_leased(visit) for visit in visits]
    rows = [
        {
            **visit.row,
            "campaign_id": campaign_id,
            "phone_number_id": visit.number_id,
            "number_leased_at": visit.started_at,
            "number_until": visit.number_until,
            "took_over": visit.took_over,
        }
        for visit in visits
    ]
    # Plain executemany, then the ids by uuid: RETURNING in parameter order goes row by row.
    db.session.execute(insert(VisitorSession.__table__), rows)
    stored = dict(
        db.session.execute(
            select(VisitorSession.uuid, VisitorSession.id).where(
                VisitorSession.uuid.in_([row["uuid"] for row in rows])
            )
        ).all()
    )
    ids = [stored[row["uuid"]] for row in rows]
    links = [
        {
            "call_id": visit.call_id,
            "number_id": number_id,
            "number": pool[number_id],
            "visit_source": visit.row["source"],
            "visit_medium": visit.row["medium"],
            "visit_id": visit_id,
        }
        for visit, (number_id, until), visit_id in zip(visits, leased, ids, strict=True)
        # A call whose number another visit took over before it rang stays unattributed.
        if visit.call_id is not None and visit.call_at is not None and visit.call_at <= until
    ]
    if links:
        lock_rollups(visits[0].row["workspace_id"])
        with recounting_calls([link["call_id"] for link in links]):
            db.session.execute(_LINK_CALL, links)
    for visit, visit_id in zip(visits, ids, strict=True):
        visit.row["id"] = visit_id


def _store_leases(leases: _Pool, workspace_id: int) -> None:
    """Leave the pool's lease rows as the last visits left them."""
    db.session.execute(
        insert(NumberLease),
        [
            {
                "phone_number_id": number_id,
                "workspace_id": workspace_id,
                "session_id": holder.row["id"] if holder else None,
                "leased_at": holder.started_at if holder else None,
                "free_at": leases.free_at[number_id],
            }
            for number_id, holder in leases.holder.items()
        ],
    )
