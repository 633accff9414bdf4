"""A workspace full of calls for API report tests, and the rows as plain Python to count."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from ringtonic.extensions import db
from ringtonic.models import CALL_STATUSES, Campaign, PhoneNumber, User, Workspace
from ringtonic.services.demo.places import AUSTIN_AREA, DENVER_AREA
from tests.support.call_builders import add_call, add_campaign, add_number
from tests.support.keys import issue_key

# "Now" for every report test: 9 am in Chicago, so UTC and local dates differ at night.
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=UTC)
ZONE = "America/Chicago"

# Places callers may give, as (city, state, zip, country); some are partial or foreign.
_ODD_PLACES = [
    ("", "", "", ""),  # carrier gave nothing
    ("", "", "", ""),
    ("Toronto", "ON", "", "CA"),
    ("", "TX", "", "US"),  # state only
    ("", "", "78701", "US"),  # zip only
    ("Springfield", "", "", "US"),  # city without a state
]
_SOURCES = [("Google Business Profile", "organic"), ("Google Ads", "cpc"), ("", "")]


@dataclass
class ReportData:
    """The workspace, its admin, a read key, campaigns and numbers, and every call as inserted."""

    workspace: Workspace
    user: User
    secret: str
    campaigns: dict[str, Campaign]
    numbers: list[PhoneNumber]
    rows: list[dict]


def _place(rng: random.Random) -> tuple[str, str, str, str]:
    if rng.random() < 0.2:
        return rng.choice(_ODD_PLACES)
    place = rng.choice(AUSTIN_AREA + DENVER_AREA[:4])
    return place.city, place.state, rng.choice(place.zip_codes), "US"


def build_report_data(make_account, calls: int = 160, seed: int = 7) -> ReportData:
    """Create an Agency workspace in Chicago time with calls over Oct–Nov 2026 (committed)."""
    _, user, workspace = make_account(plan="agency", company="Austin Pro Plumbing")
    workspace.time_zone = ZONE
    rng = random.Random(seed)
    campaigns = {name: add_campaign(workspace, name) for name in ("GBP", "Ads", "Mailer")}
    numbers = [
        add_number(workspace, campaigns["GBP"], "+15125550111"),
        add_number(workspace, campaigns["Ads"], "+15125550112"),
        add_number(workspace, None, "+15125550113"),
    ]
    rows: list[dict] = []
    start = datetime(2026, 10, 1, tzinfo=UTC)
    span = int((NOW - start).total_seconds())
    # Two GBP calls either side of the default period's first Chicago midnight (05:00 UTC).
    edges = [datetime(2026, 10, 29, 4, 59, tzinfo=UTC), datetime(2026, 10, 29, 5, 0, tzinfo=UTC)]
    moments = [(moment, numbers[0]) for moment in edges] + [
        (start + timedelta(seconds=rng.randrange(span)), rng.choice([*numbers, None]))
        for _ in range(calls)
    ]
    for started_at, number in moments:
        city, state, zip_code, country = _place(rng)
        source, medium = rng.choice(_SOURCES)
        row = {
            "started_at": started_at,
            "number": number,
            "campaign": (
                next((c for c in campaigns.values() if c.id == number.campaign_id), None)
                if number
                else None
            ),
            "status": rng.choice(CALL_STATUSES),
            "duration_seconds": rng.randrange(0, 600),
            "first_call": rng.random() < 0.6,
            "caller_city": city,
            "caller_state": state,
            "caller_zip": zip_code,
            "caller_country": country,
            "source": source,
            "medium": medium,
        }
        if number is None:
            row["tracking_number"] = "+15125550199"  # a number the workspace no longer tracks
        rows.append(row)
        add_call(workspace, **row)
    db.session.commit()
    secret = issue_key(workspace, user, name="Reports")
    return ReportData(workspace, user, secret, campaigns, numbers, rows)
