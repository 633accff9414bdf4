"""Rollups answer exactly what a full count of the calls answers, whichever path wrote them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from ringtonic.extensions import db
from ringtonic.models import Call, NumberedPlace
from ringtonic.models.rollups import TOTAL_COLUMNS
from ringtonic.models.types import utcnow
from ringtonic.services.calls.imports import import_calls
from ringtonic.services.demo.data import (
    delete_calls,
    ensure_demo_clients,
    generate_call_batches,
    insert_calls,
)
from ringtonic.services.reporting import rollup_queries
from ringtonic.services.reporting.geo import geo_data
from ringtonic.services.reporting.periods import resolve_period
from ringtonic.services.reporting.reports import GROUPINGS, summary_report, timeseries_report
from ringtonic.services.reporting.rollup_blocks import Cover
from ringtonic.services.reporting.rollups import ROLLUPS, rebuild_rollups
from tests.support.call_builders import add_call, add_campaign, add_number
from tests.support.rollups import rollup_rows
from tests.support.telephony_helpers import (
    add_tracking_number,
    connect_twilio,
    post_signed,
    voice_params,
)

STATUS_FILTERS = (None, "answered", "missed", "ringing", "voicemail")


def full_count(monkeypatch) -> None:
    """Make the services count every period from the calls table, as before rollups."""
    monkeypatch.setattr(
        rollup_queries, "cover_ranges", lambda ranges, sizes: Cover(slivers=list(ranges))
    )


def periods(now: datetime) -> list:
    """Periods of whole local days in zones with :00, :30 and :45 offsets, and exact instants."""
    return [
        resolve_period(None, None, "America/Chicago", now),
        resolve_period(None, None, "Asia/Kolkata", now),
        resolve_period(None, None, "Asia/Kathmandu", now),
        resolve_period("2000-01-01", None, "UTC", now),
        resolve_period(
            (now - timedelta(days=40, seconds=7)).isoformat(),
            (now + timedelta(minutes=7, microseconds=5)).isoformat(),
            "America/New_York",
            now,
        ),
    ]


def every_report(workspace, campaigns, now: datetime) -> list[dict]:
    """Return geo-data, every summary and timeseries for several periods and filters."""
    reports = []
    for period in periods(now):
        long = period.as_dict()["start_date"] < "2001"
        for campaign in (None, *campaigns):
            for status in STATUS_FILTERS:
                reports.append(geo_data(workspace, period, campaign, status))
                reports += [
                    summary_report(workspace, period, group_by, campaign, status)
                    for group_by in GROUPINGS
                ]
        # A full count reads the calls once per bucket: fewer filters for series.
        for campaign, status in ((None, None), (campaigns[0], "answered")):
            interval = "month" if long else "day"
            reports.append(timeseries_report(workspace, period, interval, campaign, status))
        if not long:
            reports.append(timeseries_report(workspace, period, "week"))
    last_two_days = resolve_period(
        (now - timedelta(days=1)).date().isoformat(), None, "Asia/Kolkata", now
    )
    reports.append(timeseries_report(workspace, last_two_days, "hour"))
    return reports


def assert_rollups_match_a_full_count(monkeypatch, workspace, campaigns, now) -> None:
    with_rollups = every_report(workspace, campaigns, now)
    kept = rollup_rows(workspace.id)
    assert kept, "the rollups counted nothing"
    rebuild_rollups(workspace.id)
    db.session.commit()
    assert rollup_rows(workspace.id) == kept
    with monkeypatch.context() as patch:
        full_count(patch)
        assert every_report(workspace, campaigns, now) == with_rollups


CSV = """\
started_at,caller_number,tracking_number,duration,status,city,state,zip,external_id
{old},+15125550123,+15125550147,95,answered,Austin,TX,78701,A-1
{old2},+15125550188,+15125550147,0,no-answer,Round Rock,TX,78664,A-2
{old3},,+15125559876,12,voicemail,,,,A-3
"""


def test_every_write_path_keeps_rollups_equal_to_a_full_count(client, make_account, monkeypatch):
    now = utcnow()
    _, _, workspace = make_account()
    connect_twilio(workspace)
    number = add_tracking_number(workspace)
    voice = f"/hooks/twilio/voice/{workspace.uuid}"
    status = f"/hooks/twilio/status/{workspace.uuid}"
    # Webhooks: a call answered in steps, a missed one, and one whose callback came first
    # and that reached voicemail.
    for sid in ("CA01", "CA02"):
        assert post_signed(client, voice, voice_params(sid)).status_code == 200
    for params in (
        {"CallSid": "CA01", "CallStatus": "in-progress"},
        {"CallSid": "CA01", "CallStatus": "in-progress", "DialCallStatus": "completed",
         "DialCallDuration": "125"},
        {"CallSid": "CA02", "CallStatus": "completed", "DialCallStatus": "no-answer"},
        {**voice_params("CA03", From="+13035550111", FromCity="DENVER", FromState="CO",
                        FromZip="80202"), "CallStatus": "completed", "DialCallStatus": "completed",
         "DialCallDuration": "40", "AnsweredBy": "machine_end_beep"},
    ):  # fmt: skip
        assert post_signed(client, status, {"To": number.number, **params}).status_code == 200
    # Import: history older than the webhook caller's first call, which stops being first.
    csv = CSV.format(
        old=(now - timedelta(days=20)).isoformat(),
        old2=(now - timedelta(days=31, hours=5)).isoformat(),
        old3=(now - timedelta(days=400)).isoformat(),
    )
    result = import_calls(workspace, io.BytesIO(csv.encode()))
    db.session.commit()
    assert result.imported == 3
    # Direct ORM writes: added, changed, then one deleted.
    db.session.expire_all()
    ads = add_campaign(workspace, "Ads")
    line = add_number(workspace, ads, "+15125550999")
    for days, extra in (
        (2, {"status": "ringing", "caller_country": "CA", "caller_state": "ON"}),
        (3, {"status": "busy", "first_call": True, "caller_city": "Austin"}),
        (5, {"campaign": ads, "number": line, "duration_seconds": 600, "source": "Ads"}),
        (45, {"status": "failed", "caller_zip": "78704", "medium": "cpc"}),
    ):
        add_call(workspace, now - timedelta(days=days, minutes=days * 7), **extra)
    db.session.commit()
    changed, gone = db.session.scalars(
        select(Call)
        .where(Call.workspace_id == workspace.id, Call.status.in_(["ringing", "failed"]))
        .order_by(Call.started_at.desc())
    ).all()
    changed.status, changed.duration_seconds, changed.caller_state = "answered", 33, "TX"
    db.session.delete(gone)
    db.session.commit()

    stored = db.session.scalars(select(Call).where(Call.workspace_id == workspace.id)).all()
    assert len(stored) == 3 + 3 + 4 - 1
    assert {c.status for c in stored if c.provider_call_id} == {"answered", "missed", "voicemail"}
    assert_rollups_match_a_full_count(monkeypatch, workspace, [number.campaign, ads], now)


def test_demo_seed_and_reseed_keep_rollups_equal_to_a_full_count(make_account, monkeypatch):
    now = datetime(2026, 6, 15, 17, 30, tzinfo=UTC)
    account, _, _ = make_account(plan="agency")
    clients = ensure_demo_clients(account, now)
    for count, seed in ((400, 1), (250, 2)):  # the second run replaces the first
        delete_calls(clients)
        for rows in generate_call_batches(clients, count, seed, now):
            insert_calls(rows)
        db.session.commit()
    workspace = clients[0].workspace
    campaign = clients[0].numbers[0].campaign
    assert_rollups_match_a_full_count(monkeypatch, workspace, [campaign], now)


def test_reports_read_the_rollups_not_the_calls(make_account):
    _, _, workspace = make_account()
    add_call(workspace, utcnow() - timedelta(days=1))
    db.session.commit()
    period = resolve_period(None, None, "UTC", utcnow())
    assert geo_data(workspace, period)["totals"]["calls"] == 1
    # Calls changed behind the app's back are not seen until an operator rebuilds.
    db.session.execute(Call.__table__.delete())
    assert geo_data(workspace, period)["totals"]["calls"] == 1
    rebuild_rollups(workspace.id)
    assert geo_data(workspace, period)["totals"]["calls"] == 0


def test_rebuild_command_recounts_every_workspace_or_one(runner, make_account):
    _, _, first = make_account()
    _, _, second = make_account()
    for workspace in (first, second):
        add_call(workspace, utcnow() - timedelta(hours=3))
    db.session.commit()
    for model in ROLLUPS:
        db.session.execute(model.__table__.delete())
    db.session.commit()
    period = resolve_period(None, None, "UTC", utcnow())

    result = runner.invoke(args=["rollups", "rebuild", "--workspace", str(second.uuid)])
    assert result.exit_code == 0, result.output
    assert "Recounted the rollups of 1 calls." in result.output
    db.session.expire_all()
    assert summary_report(second, period, "source")["totals"]["calls"] == 1
    assert summary_report(first, period, "source")["totals"]["calls"] == 0

    result = runner.invoke(args=["rollups", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "Recounted the rollups of 2 calls." in result.output
    assert summary_report(first, period, "source")["totals"]["calls"] == 1


@pytest.mark.parametrize("workspace_uuid", ["not-a-uuid", "00000000-0000-4000-8000-000000000000"])
def test_rebuild_command_refuses_an_unknown_workspace(runner, app, workspace_uuid):
    result = runner.invoke(args=["rollups", "rebuild", "--workspace", workspace_uuid])
    assert result.exit_code != 0
    assert "workspace" in result.output.lower()


def stored_totals(model) -> tuple[str, ...]:
    """Return the five columns the database stores right after the table's key."""
    key = len(model.__table__.primary_key.columns)
    stored = [column["name"] for column in inspect(db.engine).get_columns(model.__tablename__)]
    return tuple(stored[key : key + 5])


def test_totals_move_next_to_the_key_with_every_row_kept(app, make_account):
    _, _, workspace = make_account()
    campaign = add_campaign(workspace)
    for n, status in enumerate(("answered", "busy", "voicemail")):
        add_call(
            workspace,
            utcnow() - timedelta(days=n, hours=1),
            campaign=campaign,
            caller_city="Austin",
            caller_state="TX",
            caller_zip=f"7870{n}",
            status=status,
            duration_seconds=30 * n,
        )
    db.session.commit()
    kept = rollup_rows(workspace.id)
    assert all(stored_totals(model) == TOTAL_COLUMNS for model in ROLLUPS)
    db.session.remove()
    try:
        downgrade(revision="0008")
        # 0008's order: the totals last, after the 21 per-status counters.
        assert not any(stored_totals(model) == TOTAL_COLUMNS for model in ROLLUPS)
        assert rollup_rows(workspace.id) == kept
        db.session.remove()
    finally:
        upgrade()
    assert all(stored_totals(model) == TOTAL_COLUMNS for model in ROLLUPS)
    assert rollup_rows(workspace.id) == kept


def test_migrations_count_calls_stored_before_them_down_and_up_again(app, make_account):
    _, _, workspace = make_account()
    campaign = add_campaign(workspace)
    hour_ago = utcnow() - timedelta(hours=1)
    places = [
        ("Austin", "TX", "78701"),
        ("Austin", "TX", "78702"),
        ("", "", ""),
        ("Austin", "TX", "78701"),
    ]
    for n, (city, state, zip_code) in enumerate(places):
        add_call(
            workspace,
            hour_ago - timedelta(days=n),
            campaign=campaign if n % 2 else None,
            caller_city=city,
            caller_state=state,
            caller_zip=zip_code,
            status=("answered", "busy")[n % 2],
            first_call=n < 2,
            duration_seconds=10 * n,
        )
    db.session.commit()
    kept = rollup_rows(workspace.id)
    db.session.remove()
    try:
        downgrade(revision="0007")
        # 0007's own shape: places as names in the key, no totals.
        with db.engine.connect() as connection:
            by_zip = connection.execute(
                text(
                    "SELECT caller_zip, SUM(answered_calls), SUM(busy_calls) "
                    "FROM call_place_rollups WHERE bucket_seconds = 3600 GROUP BY caller_zip"
                )
            ).all()
        assert sorted(tuple(row) for row in by_zip) == [
            ("", 1, 0),
            ("78701", 1, 1),
            ("78702", 0, 1),
        ]
    finally:
        upgrade()
    assert rollup_rows(workspace.id) == kept
    numbered = db.session.scalars(
        select(NumberedPlace.caller_zip).where(NumberedPlace.workspace_id == workspace.id)
    ).all()
    assert sorted(numbered) == ["", "78701", "78702"]
    period = resolve_period("2000-01-01", None, "UTC", utcnow())
    totals = geo_data(workspace, period)["totals"]
    assert (totals["calls"], totals["answered"], totals["missed"]) == (4, 2, 2)
    assert (totals["first_time_callers"], totals["calls_without_location"]) == (2, 1)
