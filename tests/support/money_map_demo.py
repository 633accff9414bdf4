"""A realistic, repeatable set of calls for Money Map tests: mostly TX, CO and FL callers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ringtonic.extensions import db
from ringtonic.models import Campaign, Workspace
from tests.support.call_builders import add_call, add_campaign, add_number

# (zip, city, state, weight): a Texas plumber's agency with clients in Colorado and Florida.
US_PLACES = [
    ("78701", "Austin", "TX", 40),
    ("78704", "Austin", "TX", 30),
    ("78745", "Austin", "TX", 22),
    ("78664", "Round Rock", "TX", 18),
    ("78613", "Cedar Park", "TX", 12),
    ("75201", "Dallas", "TX", 16),
    ("77002", "Houston", "TX", 14),
    ("78205", "San Antonio", "TX", 12),
    ("76102", "Fort Worth", "TX", 6),
    ("79901", "El Paso", "TX", 3),
    ("78401", "Corpus Christi", "TX", 3),
    ("80202", "Denver", "CO", 20),
    ("80205", "Denver", "CO", 9),
    ("80301", "Boulder", "CO", 7),
    ("80903", "Colorado Springs", "CO", 8),
    ("80521", "Fort Collins", "CO", 4),
    ("81501", "Grand Junction", "CO", 2),
    ("33602", "Tampa", "FL", 15),
    ("33131", "Miami", "FL", 13),
    ("32801", "Orlando", "FL", 10),
    ("32202", "Jacksonville", "FL", 6),
    ("32301", "Tallahassee", "FL", 3),
    ("33040", "Key West", "FL", 2),
    ("34102", "Naples", "FL", 3),
    ("10001", "New York", "NY", 2),
    ("98101", "Seattle", "WA", 1),
    ("99501", "Anchorage", "AK", 1),
    ("96813", "Honolulu", "HI", 1),
    ("04401", "Bangor", "ME", 1),
    ("60601", "Chicago", "IL", 2),
]
ABROAD = [("Toronto", "ON", "CA", 3), ("Monterrey", "NL", "MX", 2), ("London", "", "GB", 1)]
NO_LOCATION_WEIGHT = 14
STATUSES = [("answered", 64), ("missed", 16), ("voicemail", 9), ("busy", 6), ("failed", 3)]


def _place(rng: random.Random) -> dict:
    choices = [("us", p) for p in US_PLACES] + [("abroad", p) for p in ABROAD] + [("none", None)]
    weights = [p[3] for p in US_PLACES] + [p[3] for p in ABROAD] + [NO_LOCATION_WEIGHT]
    kind, place = rng.choices(choices, weights)[0]
    if kind == "us":
        zip_code, city, state, _ = place
        return {
            "caller_zip": zip_code,
            "caller_city": city,
            "caller_state": state,
            "caller_country": "US",
        }
    if kind == "abroad":
        city, state, country, _ = place
        return {"caller_city": city, "caller_state": state, "caller_country": country}
    return {}


def seed_demo_calls(
    workspace: Workspace, now: datetime, count: int = 360, seed: int = 8
) -> list[Campaign]:
    """Add `count` calls over the 30 days before `now` to two campaigns; commit; return them."""
    rng = random.Random(seed)
    campaigns = [
        add_campaign(workspace, "Google Business Profile"),
        add_campaign(workspace, "Website"),
    ]
    numbers = [
        add_number(workspace, campaigns[0], "+15125550111"),
        add_number(workspace, campaigns[1], "+15125550122"),
    ]
    statuses, status_weights = zip(*STATUSES, strict=True)
    for index in range(count):
        which = 0 if rng.random() < 0.7 else 1
        status = rng.choices(statuses, status_weights)[0]
        add_call(
            workspace,
            now - timedelta(days=rng.uniform(0.05, 29), minutes=rng.randint(0, 600)),
            campaign=campaigns[which],
            number=numbers[which],
            caller_number=f"+1512555{index:04d}",
            status=status,
            duration_seconds=rng.randint(25, 600) if status == "answered" else rng.randint(0, 40),
            first_call=rng.random() < 0.45,
            **_place(rng),
        )
    db.session.commit()
    return campaigns
