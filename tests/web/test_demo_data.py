"""Demo data: three client workspaces, deterministic calls, realistic mix, first-run."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from markupsafe import escape
from sqlalchemy import func, select

from ringtonic.extensions import db
from ringtonic.models import Call, Campaign, PhoneNumber, User, Workspace
from ringtonic.models.website import VisitorSession, WebsiteSettings
from ringtonic.services.demo.data import (
    CLIENTS,
    delete_calls,
    ensure_demo_clients,
    generate_call_batches,
    insert_calls,
)
from ringtonic.services.demo.places import AUSTIN_AREA, DENVER_AREA, ELSEWHERE, TAMPA_AREA
from ringtonic.services.demo.website import SITES, add_demo_visits, ensure_demo_websites
from ringtonic.services.reporting.rollups import rebuild_rollups
from ringtonic.services.tracking.attribution import visit_of_call
from ringtonic.services.tracking.config import tracker_config
from ringtonic.services.tracking.leases import pool_use
from ringtonic.services.tracking.sources import classify
from tests.support.rollups import rollup_rows
from tests.support.web_client import sign_in

NOW = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)
CLIENT_NAMES = ["Austin Pro Plumbing", "Mile High Roofing", "Bayside Family Dental"]


POOL_SIZES = [site.pool_size for site in SITES.values()]


def seed(account, count: int, seed_value: int) -> None:
    clients = ensure_demo_clients(account, NOW)
    ensure_demo_websites(clients, NOW)
    delete_calls(clients)
    for rows in generate_call_batches(clients, count, seed_value, NOW):
        insert_calls(rows)
    for seeded in clients:
        add_demo_visits(seeded, seed_value, NOW)
    db.session.commit()


def call_rows() -> list[tuple]:
    return list(
        db.session.execute(
            select(
                Call.uuid,
                Call.provider_call_id,
                Call.started_at,
                Call.caller_number,
                Call.status,
                Call.duration_seconds,
                Call.first_call,
                Call.caller_zip,
                Call.source,
                Call.tracking_number,
            ).order_by(Call.uuid)
        )
    )


def test_seed_builds_three_clients_with_numbers_and_campaigns(make_account):
    account, _, default = make_account(plan="agency", company="Demo Agency")
    seed(account, 300, 1)
    workspaces = list(db.session.scalars(select(Workspace).order_by(Workspace.id)))
    assert [w.name for w in workspaces] == CLIENT_NAMES
    # The empty default workspace became the first client instead of sitting empty.
    assert workspaces[0].id == default.id
    assert [w.time_zone for w in workspaces] == [
        "America/Chicago",
        "America/Denver",
        "America/New_York",
    ]
    for workspace in workspaces:
        numbers = list(
            db.session.scalars(select(PhoneNumber).where(PhoneNumber.workspace_id == workspace.id))
        )
        fixed = [n for n in numbers if n.source]
        assert len(fixed) >= 5
        assert all(n.campaign_id and n.source and n.medium for n in fixed)
        assert all(n.created_at < NOW - timedelta(days=90) for n in numbers)  # before any call
        campaigns = db.session.scalar(
            select(func.count(Campaign.id)).where(Campaign.workspace_id == workspace.id)
        )
        assert campaigns == len(fixed)
        # The website campaign's pool: numbers without a fixed source.
        pool = [n for n in numbers if not n.source]
        assert len(pool) == SITES[workspace.name].pool_size
        assert {n.campaign.type for n in pool} == {"website"}
    assert db.session.scalar(select(func.count(Call.id))) == 300


def test_same_seed_gives_the_same_calls_and_reseeding_replaces_them(make_account):
    account, _, _ = make_account(plan="agency", company="Demo Agency")
    seed(account, 400, 7)
    first, first_visits = call_rows(), visit_rows()
    seed(account, 400, 7)
    assert call_rows() == first
    assert visit_rows() == first_visits and first_visits
    assert db.session.scalar(select(func.count(Workspace.id))) == 3  # reused, not duplicated
    assert db.session.scalar(select(func.count(PhoneNumber.id))) == 17 + sum(POOL_SIZES)
    seed(account, 400, 8)
    assert call_rows() != first
    assert db.session.scalar(select(func.count(Call.id))) == 400


def visit_rows() -> list[tuple]:
    return list(
        db.session.execute(
            select(
                VisitorSession.uuid,
                VisitorSession.started_at,
                VisitorSession.landing_page,
                VisitorSession.source,
                VisitorSession.city,
                PhoneNumber.number,
            )
            .join(PhoneNumber, PhoneNumber.id == VisitorSession.phone_number_id)
            .order_by(VisitorSession.uuid)
        )
    )


def test_each_client_site_is_tracked_with_visits_that_made_some_of_its_calls(client, make_account):
    account, user, _ = make_account(plan="agency", company="Demo Agency")
    seed(account, 3000, 4)
    workspaces = list(db.session.scalars(select(Workspace).order_by(Workspace.id)))
    shown = None
    for workspace in workspaces:
        site = SITES[workspace.name]
        settings = db.session.get(WebsiteSettings, workspace.id)
        assert settings.allowed_domains == [site.domain]
        real = {c.name: c.forwarding_number for c in CLIENTS}[workspace.name]
        assert settings.replace_numbers == [real]
        config = tracker_config(db.engine, str(workspace.uuid))
        assert len(config.pool_ids) == site.pool_size
        use = pool_use(config, NOW)
        assert 0 < use.peak <= 0.75 * use.size and use.takeovers == 0

        visits = list(
            db.session.scalars(
                select(VisitorSession).where(VisitorSession.workspace_id == workspace.id)
            )
        )
        assert all(NOW - timedelta(days=91) < v.started_at < NOW for v in visits)
        for visit in visits:
            assert visit.landing_page.startswith(f"https://www.{site.domain}/")
            attribution = classify(visit.landing_page, visit.referrer)
            assert (visit.source, visit.medium) == (attribution.source, attribution.medium)
            assert visit.phone_number_id in config.pool_ids
        kinds = Counter((v.source, v.medium) for v in visits)
        for kind in [("google", "cpc"), ("google", "organic"), ("facebook", "social")]:
            assert kinds[kind] > 0.04 * len(visits), kinds
        assert kinds[("(direct)", "(none)")] > 0.04 * len(visits)
        assert all(v.gclid.startswith("Cj0K") for v in visits if v.medium == "cpc")
        assert sum(bool(v.city and v.state and v.country == "US") for v in visits) > 0.9 * len(
            visits
        )
        assert len({v.visitor_id for v in visits}) < len(visits)  # some came back

        calls = list(
            db.session.scalars(
                select(Call).where(
                    Call.workspace_id == workspace.id, Call.visitor_session_id.is_not(None)
                )
            )
        )
        website_calls = db.session.scalar(
            select(func.count(Call.id))
            .join(Campaign, Campaign.id == Call.campaign_id)
            .where(Call.workspace_id == workspace.id, Campaign.type == "website")
        )
        assert 0.6 * website_calls < len(calls) < 0.85 * website_calls
        for call in calls:
            visit = call.visitor_session
            assert (call.source, call.medium) == (visit.source, visit.medium)
            assert call.phone_number_id == visit.phone_number_id
            assert call.tracking_number == call.phone_number.number
            assert call.updated_at == call.started_at + timedelta(seconds=call.duration_seconds)
            if call.caller_city:  # the visitor and the caller are one person
                assert (visit.city, visit.state) == (call.caller_city, call.caller_state)
            # The tracker's own rule finds the same visit for the call.
            assert visit_of_call(call.phone_number, call.started_at) == visit

        shown = shown if workspace != workspaces[0] else calls[0]
        kept = rollup_rows(workspace.id)
        rebuild_rollups(workspace.id)
        assert rollup_rows(workspace.id) == kept
    db.session.commit()

    sign_in(client, user.email)
    page = client.get(f"/calls/{shown.uuid}").get_data(as_text=True)
    assert "Website visit" in page and str(escape(shown.visitor_session.landing_page)) in page
    settings_page = client.get("/settings/website").get_data(as_text=True)
    assert SITES[workspaces[0].name].domain in settings_page


def test_calls_look_real(make_account):
    account, _, _ = make_account(plan="agency", company="Demo Agency")
    seed(account, 3000, 3)
    calls = list(db.session.scalars(select(Call)))
    assert all(NOW - timedelta(days=90) <= c.started_at < NOW for c in calls)
    statuses = Counter(c.status for c in calls)
    assert 0.58 < statuses["answered"] / 3000 < 0.72
    assert 0.15 < statuses["missed"] / 3000 < 0.26
    assert 0.05 < statuses["voicemail"] / 3000 < 0.12
    assert statuses["busy"] and statuses["failed"]
    answered = sorted(c.duration_seconds for c in calls if c.status == "answered")
    assert 100 <= answered[len(answered) // 2] <= 200  # median 2-3 minutes
    assert max(c.duration_seconds for c in calls if c.status == "missed") <= 40
    assert len({c.source for c in calls}) >= 5
    # Every zip belongs to a real place of the table; most callers are local.
    places = {
        z: p for p in (*AUSTIN_AREA, *DENVER_AREA, *TAMPA_AREA, *ELSEWHERE) for z in p.zip_codes
    }
    located = [c for c in calls if c.caller_zip]
    assert all(places[c.caller_zip].city == c.caller_city for c in located)
    local_zips = {z for p in (*AUSTIN_AREA, *DENVER_AREA, *TAMPA_AREA) for z in p.zip_codes}
    assert sum(c.caller_zip in local_zips for c in calls) / len(calls) > 0.75
    assert any(not c.caller_zip for c in calls)
    # Business hours peak: more calls at 10:00 local than at 22:00 local.
    austin = [c for c in calls if c.tracking_number.startswith("+1512")]
    hours = Counter((c.started_at - timedelta(hours=5)).hour for c in austin)  # CDT in June
    assert hours[10] > 4 * hours[22]


def test_first_call_marks_exactly_each_callers_earliest_call(make_account):
    account, _, _ = make_account(plan="agency", company="Demo Agency")
    seed(account, 2000, 5)
    calls = db.session.execute(
        select(Call.workspace_id, Call.caller_number, Call.first_call).order_by(Call.started_at)
    )
    seen = set()
    repeats = 0
    for workspace_id, caller, first in calls:
        key = (workspace_id, caller)
        assert first == (bool(caller) and key not in seen)
        repeats += key in seen
        seen.add(key)
    assert repeats > 200


def test_demo_seed_command_creates_the_account_and_reports(app, runner):
    result = runner.invoke(args=["demo", "seed", "--calls", "250", "--seed", "2"])
    assert result.exit_code == 0, result.output
    assert "250 demo calls" in result.output
    assert db.session.scalar(select(func.count(Call.id))) == 250
    assert db.session.scalar(select(User.email)) == "demo@example.com"
    again = runner.invoke(args=["demo", "seed", "--calls", "100"])
    assert again.exit_code == 0, again.output
    assert "replaced 250" in again.output
    assert db.session.scalar(select(func.count(Call.id))) == 100
    assert db.session.scalar(select(func.count(Workspace.id))) == 3


def test_demo_seed_help_says_calls_are_replaced(runner):
    result = runner.invoke(args=["demo", "seed", "--help"])
    assert result.exit_code == 0
    assert "REPLACING" in result.output and "--calls" in result.output


def test_demo_seed_refuses_a_negative_count(runner):
    result = runner.invoke(args=["demo", "seed", "--calls", "-5"])
    assert result.exit_code == 2
    assert db.session.scalar(select(func.count(Call.id))) == 0


def test_first_run_shows_a_newcomer_real_looking_data(app, runner):
    result = runner.invoke(args=["demo", "first-run"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count(Call.id))) == 5000
    visits = db.session.scalar(select(func.count(VisitorSession.id)))
    assert f"{visits:,} website visits" in result.output and visits > 3000
    assert db.session.scalar(select(func.count(Call.visitor_session_id))) > 500
    assert db.session.scalar(select(func.count(Workspace.id))) == 3
    again = runner.invoke(args=["demo", "first-run"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count(Call.id))) == 5000


def test_demo_seed_explains_when_the_plan_allows_no_more_workspaces(runner, make_account):
    make_account(plan="indie", email="demo@example.com", company="Demo Agency")
    result = runner.invoke(args=["demo", "seed", "--calls", "10"])
    assert result.exit_code == 1
    assert "Cannot set up the demo workspaces" in result.output
    assert db.session.scalar(select(func.count(Workspace.id))) == 1
    assert db.session.scalar(select(func.count(Call.id))) == 0
