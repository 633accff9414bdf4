"""Website visits in the report workspace (tests/support/report_data.py), as rows to count."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import Call
from ringtonic.models.website import VisitorSession
from tests.support.report_data import NOW, ReportData

_PLACES = [("Austin", "TX", "US"), ("Denver", "CO", "US"), ("Bozeman", "MT", "US"), ("", "", "")]
_SOURCES = [("google", "cpc"), ("google", "organic"), ("(direct)", "(none)")]


def add_visits(data: ReportData) -> ReportData:
    """Add visits (a third of the calls attributed to them) and list them in `data.visits`."""
    rng = random.Random(11)
    visitors = [uuid.uuid4() for _ in range(40)]
    start = datetime(2026, 10, 1, tzinfo=UTC)
    span = int((NOW - start).total_seconds())
    visits = []
    # Two visits either side of the default period's first Chicago midnight (05:00 UTC).
    moments = [datetime(2026, 10, 29, 4, 59, tzinfo=UTC), datetime(2026, 10, 29, 5, tzinfo=UTC)]
    moments += [start + timedelta(seconds=rng.randrange(span)) for _ in range(200)]
    for started_at in moments:
        city, state, country = rng.choice(_PLACES)
        source, medium = rng.choice(_SOURCES)
        number = rng.choice([*data.numbers[:2], None])
        row = {
            "started_at": started_at,
            "visitor_id": rng.choice(visitors),
            "campaign": data.campaigns["Ads"] if rng.random() < 0.7 else None,
            "number": number,
            "source": source,
            "medium": medium,
            "city": city,
            "state": state,
            "country": country,
        }
        visits.append(row)
        row["session"] = VisitorSession(
            workspace_id=data.workspace.id,
            campaign_id=row["campaign"].id if row["campaign"] else None,
            phone_number_id=number.id if number else None,
            visitor_id=row["visitor_id"],
            started_at=started_at,
            last_seen_at=started_at,
            source=source,
            medium=medium,
            city=city,
            state=state,
            country=country,
        )
        db.session.add(row["session"])
    db.session.flush()
    # A third of the calls came from visits, some visits made two; the caller's own place
    # is not the visit's (Bozeman's visitors call, yet no caller is from Bozeman).
    for row in visits:
        row["calls_from_visits"] = 0
    calls = db.session.scalars(
        select(Call).where(Call.workspace_id == data.workspace.id).order_by(Call.id)
    ).all()
    for call in calls[::3]:
        row = rng.choice(visits)
        call.visitor_session_id = row["session"].id
        row["calls_from_visits"] += 1
    db.session.commit()
    data.visits = visits
    return data
