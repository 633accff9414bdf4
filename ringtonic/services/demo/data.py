"""Demo data: an agency's three client workspaces, their numbers, and months of calls.

Generation is deterministic: the same seed, count and `now` give the same rows (uuids and
CallSids included). Calls are built as plain dicts and inserted in batches, never as ORM
objects one by one, so a million calls take minutes, not hours.
"""

from __future__ import annotations

import bisect
import math
import random
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import Any, Generic, TypeVar, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, delete, func, insert, select

from ringtonic.extensions import db
from ringtonic.models import Account, Call, Campaign, PhoneNumber, Workspace
from ringtonic.models.website import NumberLease, VisitorSession
from ringtonic.services.accounts.workspaces import create_workspace, list_workspaces
from ringtonic.services.demo.places import AUSTIN_AREA, DENVER_AREA, ELSEWHERE, TAMPA_AREA, Place
from ringtonic.services.reporting.rollups import (
    add_calls,
    clear_rollups,
    lock_rollups,
    share_rollup_lock,
)
from ringtonic.services.telephony.campaigns import create_campaign
from ringtonic.services.telephony.numbers import NumberDetails, add_number

T = TypeVar("T")

DAYS = 90
BATCH_SIZE = 5_000
REPEAT_CALLER_SHARE = 0.22
# Local hour → relative call volume: a morning peak, a lunch dip, an afternoon peak.
HOUR_WEIGHTS = (
    0.02, 0.01, 0.01, 0.01, 0.02, 0.05, 0.12, 0.35, 0.8, 1.0, 1.1, 1.0,
    0.8, 0.9, 1.0, 0.95, 0.85, 0.6, 0.38, 0.26, 0.18, 0.12, 0.07, 0.04,
)  # fmt: skip
WEEKDAY_WEIGHTS = (1.15, 1.1, 1.05, 1.0, 0.95, 0.45, 0.3)  # Monday first
# Outcome mix in and out of business hours: about 65% answered, 20% missed, 8% voicemail.
STATUS_MIX = {
    True: (("answered", 0.72), ("missed", 0.15), ("voicemail", 0.06), ("busy", 0.04)),
    False: (("answered", 0.38), ("missed", 0.38), ("voicemail", 0.16), ("busy", 0.04)),
}  # the rest of each mix is "failed"


@dataclass(frozen=True)
class DemoNumber:
    """A tracking number of a demo client and its share of the client's calls."""

    number: str
    friendly_name: str
    campaign: str
    source: str
    medium: str
    weight: float


@dataclass(frozen=True)
class DemoClient:
    """A demo client business: its workspace, line, campaigns, numbers and callers."""

    name: str
    time_zone: str
    share: float
    forwarding_number: str
    campaigns: tuple[tuple[str, str], ...]
    numbers: tuple[DemoNumber, ...]
    places: tuple[Place, ...]


def _numbers(area: str, weights: dict[str, float]) -> tuple[DemoNumber, ...]:
    catalog = {
        "gbp": ("GBP listing", "Google Business Profile", "Google Business Profile", "organic"),
        "web": ("Website header", "Website", "Website", "organic"),
        "ads": ("Call extension", "Google Ads", "Google Ads", "cpc"),
        "yelp": ("Yelp page", "Yelp", "Yelp", "referral"),
        "fb": ("Facebook page", "Facebook", "Facebook", "social"),
        "mail": ("Postcard mailer", "Direct Mail", "Direct mail", "print"),
    }
    return tuple(
        DemoNumber(f"+1{area}55501{n + 11:02d}", *catalog[key], weight)
        for n, (key, weight) in enumerate(weights.items())
    )


def _campaigns(numbers: tuple[DemoNumber, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((n.campaign, "website" if n.campaign == "Website" else "static") for n in numbers)


_PLUMBER = _numbers("512", {"gbp": 34, "web": 22, "ads": 20, "yelp": 9, "fb": 8, "mail": 7})
_ROOFER = _numbers("303", {"gbp": 30, "web": 25, "ads": 18, "fb": 12, "mail": 10, "yelp": 5})
_DENTIST = _numbers("813", {"gbp": 35, "web": 30, "ads": 15, "fb": 10, "yelp": 10})
CLIENTS = (
    DemoClient(
        "Austin Pro Plumbing", "America/Chicago", 0.45, "+15125550100",
        _campaigns(_PLUMBER), _PLUMBER, AUSTIN_AREA,
    ),
    DemoClient(
        "Mile High Roofing", "America/Denver", 0.25, "+13035550100",
        _campaigns(_ROOFER), _ROOFER, DENVER_AREA,
    ),
    DemoClient(
        "Bayside Family Dental", "America/New_York", 0.30, "+18135550100",
        _campaigns(_DENTIST), _DENTIST, TAMPA_AREA,
    ),
)  # fmt: skip


@dataclass(frozen=True)
class SeededClient:
    """A demo client as stored: its workspace and its numbers' database rows."""

    client: DemoClient
    workspace: Workspace
    numbers: tuple[PhoneNumber, ...]


def _find_or_create_workspace(account: Account, client: DemoClient, first: bool) -> Workspace:
    workspaces = list_workspaces(account)
    for workspace in workspaces:
        if workspace.name == client.name:
            return workspace
    # The default workspace made at sign-up becomes the first client, so a newcomer
    # lands on data instead of an empty workspace.
    if first and len(workspaces) == 1 and workspaces[0].name == account.name:
        numbers = db.session.scalar(
            select(func.count(PhoneNumber.id)).where(PhoneNumber.workspace_id == workspaces[0].id)
        )
        if numbers == 0:
            workspaces[0].name = client.name
            workspaces[0].time_zone = client.time_zone
            return workspaces[0]
    return create_workspace(account, client.name, client.time_zone)


def _find_or_create_numbers(
    workspace: Workspace, client: DemoClient, since: datetime
) -> tuple[PhoneNumber, ...]:
    # Campaign names are unique regardless of case, so look them up that way too.
    campaigns = {
        c.name.lower(): c
        for c in db.session.scalars(select(Campaign).where(Campaign.workspace_id == workspace.id))
    }
    for name, kind in client.campaigns:
        if name.lower() not in campaigns:
            campaign = create_campaign(workspace, name, kind)
            campaign.created_at = since  # set up before the first demo call
            campaigns[name.lower()] = campaign
    existing = {
        n.number: n
        for n in db.session.scalars(
            select(PhoneNumber).where(PhoneNumber.workspace_id == workspace.id)
        )
    }
    rows = []
    for spec in client.numbers:
        row = existing.get(spec.number)
        if row is None:
            details = NumberDetails(
                number=spec.number,
                forwarding_number=client.forwarding_number,
                friendly_name=spec.friendly_name,
                campaign=str(campaigns[spec.campaign.lower()].uuid),
                source=spec.source,
                medium=spec.medium,
            )
            row = add_number(workspace, details)
            row.created_at = since
        rows.append(row)
    return tuple(rows)


def ensure_demo_clients(account: Account, now: datetime) -> list[SeededClient]:
    """Find or create the demo clients' workspaces, campaigns and numbers (never twice)."""
    since = now - timedelta(days=DAYS + 1)
    seeded = []
    for position, client in enumerate(CLIENTS):
        workspace = _find_or_create_workspace(account, client, position == 0)
        db.session.flush()
        numbers = _find_or_create_numbers(workspace, client, since)
        seeded.append(SeededClient(client, workspace, numbers))
    return seeded


def delete_calls(clients: list[SeededClient]) -> int:
    """Delete every call (and website visit) of the demo clients' workspaces; return the calls."""
    ids = [c.workspace.id for c in clients]
    lock_rollups(*ids)
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(Call)
            .where(Call.workspace_id.in_(ids))
            .execution_options(synchronize_session=False)
        ),
    )
    # The website visits those calls came from, and the pool leases they held.
    for model in (NumberLease, VisitorSession):
        db.session.execute(
            delete(model)
            .where(model.workspace_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
    clear_rollups(ids)
    return result.rowcount


def insert_calls(rows: list[dict[str, Any]]) -> None:
    """Insert a batch of generated calls in one executemany, and count them in the rollups."""
    share_rollup_lock(*{row["workspace_id"] for row in rows})
    add_calls(db.session.scalars(insert(Call).returning(Call.id), rows).all())


def _split(total: int, shares: list[float]) -> list[int]:
    counts = [int(total * share) for share in shares]
    counts[0] += total - sum(counts)
    return counts


class Calendar:
    """The hours of the last DAYS days in a client's zone, weighted by expected call volume."""

    def __init__(self, time_zone: str, now: datetime) -> None:
        zone = ZoneInfo(time_zone)
        end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        hours = DAYS * 24
        self.start = int(end.timestamp()) - hours * 3600
        weights, self.business = [], []
        for hour in range(hours):
            local = datetime.fromtimestamp(self.start + hour * 3600, zone)
            growth = 0.85 + 0.3 * hour / hours  # a business that is growing a little
            weights.append(HOUR_WEIGHTS[local.hour] * WEEKDAY_WEIGHTS[local.weekday()] * growth)
            self.business.append(local.weekday() < 5 and 8 <= local.hour < 18)
        self.cumulative = list(accumulate(weights))

    def sorted_times(self, rng: random.Random, count: int) -> list[int]:
        hours = rng.choices(range(len(self.cumulative)), cum_weights=self.cumulative, k=count)
        return sorted(self.start + hour * 3600 + rng.randrange(3600) for hour in hours)


class Picker(Generic[T]):
    """Weighted choice by bisect over cumulative weights (faster than choices(k=1))."""

    def __init__(self, items: Iterable[T], weights: Iterable[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


def _status_and_duration(rng: random.Random, business_hours: bool) -> tuple[str, int]:
    roll = rng.random()
    status = "failed"
    for name, share in STATUS_MIX[business_hours]:
        if roll < share:
            status = name
            break
        roll -= share
    if status == "answered":
        # Log-normal talk time: median 2.5 minutes, a long tail of half-hour calls.
        return status, min(max(int(rng.lognormvariate(math.log(150), 0.85)), 10), 3600)
    if status == "missed":
        return status, rng.randint(6, 32)
    if status == "voicemail":
        return status, rng.randint(15, 95)
    return status, 0


def _new_caller_number(rng: random.Random, area_codes: tuple[str, ...], taken: set[Any]) -> str:
    while True:
        exchange = rng.randrange(200, 1000)
        if exchange % 100 == 11 or exchange == 555:  # N11 and 555 are not subscriber lines
            continue
        number = f"+1{rng.choice(area_codes)}{exchange}{rng.randrange(10000):04d}"
        if number not in taken:
            taken.add(number)
            return number


class _Callers:
    """Who calls one client: mostly new local people, some returning, a few from afar."""

    def __init__(self, client: DemoClient) -> None:
        home_state = client.places[0].state
        self.local = Picker(client.places, [p.weight for p in client.places])
        self.elsewhere = Picker(
            ELSEWHERE, [p.weight * (4 if p.state == home_state else 1) for p in ELSEWHERE]
        )
        self.home_area_codes = client.places[0].area_codes
        self.seen: list[tuple[str, tuple[str, str, str, str]]] = []
        self.taken: set[str] = set()

    def next(self, rng: random.Random) -> tuple[str, tuple[str, str, str, str], bool]:
        """Return (caller number, (city, state, zip, country), first call?)."""
        if self.seen and rng.random() < REPEAT_CALLER_SHARE:
            number, location = self.seen[rng.randrange(len(self.seen))]
            return number, location, False
        roll = rng.random()
        if roll < 0.01:  # withheld number: nothing known, not countable as new
            return "", ("", "", "", ""), False
        if roll < 0.035:  # Twilio knew the country but not the place
            number = _new_caller_number(rng, self.home_area_codes, self.taken)
            location = ("", "", "", "US")
        else:
            place = (self.elsewhere if roll < 0.16 else self.local).pick(rng)
            number = _new_caller_number(rng, place.area_codes, self.taken)
            location = (place.city, place.state, rng.choice(place.zip_codes), "US")
        self.seen.append((number, location))
        return number, location, True


@dataclass(frozen=True)
class _NumberRow:
    id: int
    campaign_id: int | None
    number: str
    source: str
    medium: str


def _client_rows(
    rng: random.Random, seeded: SeededClient, count: int, now: datetime
) -> Iterator[dict[str, Any]]:
    calendar = Calendar(seeded.client.time_zone, now)
    # Plain values: the caller commits between batches, which expires ORM objects.
    numbers = Picker(
        [_NumberRow(n.id, n.campaign_id, n.number, n.source, n.medium) for n in seeded.numbers],
        [spec.weight for spec in seeded.client.numbers],
    )
    callers = _Callers(seeded.client)
    workspace_id = seeded.workspace.id
    for timestamp in calendar.sorted_times(rng, count):
        number = numbers.pick(rng)
        caller, (city, state, zip_code, country), first = callers.next(rng)
        business = calendar.business[(timestamp - calendar.start) // 3600]
        status, duration = _status_and_duration(rng, business)
        started_at = datetime.fromtimestamp(timestamp, UTC)
        yield {
            "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
            "workspace_id": workspace_id,
            "campaign_id": number.campaign_id,
            "phone_number_id": number.id,
            "tracking_number": number.number,
            "caller_number": caller,
            "started_at": started_at,
            "duration_seconds": duration,
            "status": status,
            "first_call": first,
            "source": number.source,
            "medium": number.medium,
            "caller_city": city,
            "caller_state": state,
            "caller_zip": zip_code,
            "caller_country": country,
            "provider_call_id": f"CA{rng.getrandbits(128):032x}",
            "external_id": None,
            "note": "",
            "tags": [],
            "lead_status": None,
            "value": None,
            "created_at": started_at,
            "updated_at": started_at + timedelta(seconds=duration),
        }


def generate_call_batches(
    clients: list[SeededClient], count: int, seed: int, now: datetime
) -> Iterator[list[dict[str, Any]]]:
    """Yield `count` calls over the DAYS days before `now`, in lists of BATCH_SIZE rows."""
    rng = random.Random(seed)
    batch: list[dict[str, Any]] = []
    for seeded, share in zip(
        clients, _split(count, [c.client.share for c in clients]), strict=True
    ):
        for row in _client_rows(rng, seeded, share, now):
            batch.append(row)
            if len(batch) == BATCH_SIZE:
                yield batch
                batch = []
    if batch:
        yield batch
