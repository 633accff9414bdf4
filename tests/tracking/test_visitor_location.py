"""Visitor location from an operator's MaxMind-format database (RINGTONIC_GEOIP_DB)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from mmdb_writer import MMDBWriter
from netaddr import IPSet
from sqlalchemy import select

from ringtonic import create_app
from ringtonic.config import ConfigError, from_environment
from ringtonic.extensions import db
from ringtonic.models import Call, PhoneNumber
from ringtonic.models.website import VisitorSession
from tests.support.telephony_helpers import connect_twilio, post_signed, voice_params
from tests.support.web_client import RequestIsolatedClient, sign_in
from tests.support.website import SITE, add_pool

AUSTIN = {
    "city": {"geoname_id": 4671654, "names": {"en": "Austin", "de": "Austin"}},
    "subdivisions": [{"iso_code": "TX", "names": {"en": "Texas"}}],
    "country": {"iso_code": "US", "names": {"en": "United States"}},
    "location": {"latitude": 30.2672, "longitude": -97.7431, "time_zone": "America/Chicago"},
}
TORONTO = {
    "city": {"names": {"en": "Toronto"}},
    "subdivisions": [{"iso_code": "ON", "names": {"en": "Ontario"}}],
    "country": {"iso_code": "CA", "names": {"en": "Canada"}},
}


def write_city_database(
    path: Path, database_type: str = "GeoIP2-City", damaged: bool = False
) -> Path:
    """Write a small City database the way MaxMind lays one out (IPv4 inside IPv6)."""
    writer = MMDBWriter(
        ip_version=6,
        ipv4_compatible=True,
        database_type=database_type,
        languages=["en"],
        description="Ring Tonic test cities",
    )
    writer.insert_network(IPSet(["127.0.0.0/8"]), AUSTIN)
    writer.insert_network(IPSet(["2001:db8:100::/48"]), TORONTO)
    if damaged:  # a record that is not a map: readers call such a database invalid
        writer.insert_network(IPSet(["203.0.113.0/24"]), "not a place")
    writer.to_db_file(str(path))
    return path


@pytest.fixture
def site(app, make_account):
    _, _, workspace = make_account(plan="agency")
    return SimpleNamespace(workspace=workspace, **vars(add_pool(workspace, 3)))


@pytest.fixture
def geo_client(app, app_config, tmp_path):
    """A client of an app whose operator set RINGTONIC_GEOIP_DB."""
    path = write_city_database(tmp_path / "cities.mmdb")
    geo_app = create_app({**app_config, "RINGTONIC_GEOIP_DB": str(path)})
    geo_app.test_client_class = RequestIsolatedClient
    yield geo_app.test_client()
    with geo_app.app_context():
        db.engine.dispose()


def visit_from(client, site, address: str, **headers):
    body = {"page": SITE + "/?utm_source=google&utm_medium=cpc", "referrer": ""}
    response = client.post(
        f"/t/{site.workspace.uuid}/visits",
        data=json.dumps(body),
        headers={"Origin": SITE, "Content-Type": "text/plain;charset=UTF-8", **headers},
        environ_overrides={"REMOTE_ADDR": address},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    db.session.expire_all()
    return db.session.scalar(
        select(VisitorSession).where(
            VisitorSession.uuid == uuid.UUID(response.get_json()["session_id"])
        )
    )


def stored_text(visit: VisitorSession) -> str:
    return " ".join(str(getattr(visit, c.key)) for c in VisitorSession.__table__.columns)


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", ("Austin", "TX", "US")),
        ("127.45.6.7", ("Austin", "TX", "US")),
        ("2001:db8:100::42", ("Toronto", "ON", "CA")),
        # How a dual-stack socket (gunicorn bound to [::]) writes an IPv4 client.
        ("::ffff:127.45.6.7", ("Austin", "TX", "US")),
        ("198.51.100.7", ("", "", "")),
        ("2001:db8:200::1", ("", "", "")),
    ],
)
def test_a_visit_gets_the_location_of_its_address_and_never_the_address(
    geo_client, site, address, expected
):
    visit = visit_from(geo_client, site, address)

    assert (visit.city, visit.state, visit.country) == expected
    assert address not in stored_text(visit)


def test_a_damaged_record_costs_the_visitor_nothing_but_the_location(
    app_config, app, site, tmp_path, caplog
):
    path = write_city_database(tmp_path / "cities.mmdb", damaged=True)
    damaged = create_app({**app_config, "RINGTONIC_GEOIP_DB": str(path)})

    visit = visit_from(damaged.test_client(), site, "203.0.113.5")

    assert (visit.city, visit.state, visit.country) == ("", "", "")
    assert visit.phone_number_id is not None
    assert "GeoIP database could not be read" in caplog.text
    assert "203.0.113.5" not in caplog.text
    with damaged.app_context():
        db.engine.dispose()


def test_without_a_database_visitors_have_no_location(client, site):
    visit = visit_from(client, site, "127.0.0.1")

    assert (visit.city, visit.state, visit.country) == ("", "", "")


def test_behind_a_trusted_proxy_the_forwarded_address_is_located(app_config, app, site, tmp_path):
    path = write_city_database(tmp_path / "cities.mmdb")
    proxied = create_app(
        {**app_config, "RINGTONIC_GEOIP_DB": str(path), "RINGTONIC_TRUSTED_PROXIES": 1}
    )
    client = proxied.test_client()

    visit = visit_from(client, site, "10.0.0.2", **{"X-Forwarded-For": "2001:db8:100::9"})

    assert (visit.city, visit.state, visit.country) == ("Toronto", "ON", "CA")
    with proxied.app_context():
        db.engine.dispose()


def test_the_location_shows_on_the_call_page_and_in_the_api(geo_client, site):
    from tests.support.keys import api_get, issue_key

    visit = visit_from(geo_client, site, "127.0.0.1")
    connect_twilio(site.workspace)
    post_signed(
        geo_client,
        f"/hooks/twilio/voice/{site.workspace.uuid}",
        voice_params("CA" + "f" * 32, To=db.session.get(PhoneNumber, visit.phone_number_id).number),
    )
    call = db.session.scalar(select(Call))
    assert call.visitor_session_id == visit.id
    key = issue_key(site.workspace, site.workspace.account.users[0])

    document = api_get(geo_client, f"/api/v1/calls/{call.uuid}", key).get_json()

    located = {k: document["visitor_session"][k] for k in ("city", "state", "country")}
    assert located == {"city": "Austin", "state": "TX", "country": "US"}
    sign_in(geo_client, site.workspace.account.users[0].email)
    page = geo_client.get(f"/calls/{call.uuid}").get_data(as_text=True)
    assert "Visitor location</dt><dd>Austin, TX, US</dd>" in page


def test_a_missing_database_file_stops_start_up(tmp_path):
    env = {"SECRET_KEY": "s" * 40, "RINGTONIC_GEOIP_DB": str(tmp_path / "GeoLite2-City.mmdb")}

    with pytest.raises(ConfigError, match="RINGTONIC_GEOIP_DB"):
        from_environment(env, tmp_path)


def test_a_file_that_is_no_database_stops_start_up(app_config, tmp_path):
    junk = tmp_path / "GeoLite2-City.mmdb"
    junk.write_text("not a database\n")

    with pytest.raises(ConfigError, match="RINGTONIC_GEOIP_DB: .* is not a MaxMind-format"):
        create_app({**app_config, "RINGTONIC_GEOIP_DB": str(junk)})


def test_a_database_of_another_kind_stops_start_up(app_config, tmp_path):
    path = write_city_database(tmp_path / "asn.mmdb", database_type="GeoLite2-ASN")

    with pytest.raises(ConfigError, match="GeoLite2-ASN database; use a City"):
        create_app({**app_config, "RINGTONIC_GEOIP_DB": str(path)})


def test_the_environment_setting_names_a_readable_file(tmp_path):
    path = write_city_database(tmp_path / "cities.mmdb")

    config = from_environment({"SECRET_KEY": "s" * 40, "RINGTONIC_GEOIP_DB": str(path)}, tmp_path)

    assert config["RINGTONIC_GEOIP_DB"] == str(path)
    assert from_environment({"SECRET_KEY": "s" * 40}, tmp_path)["RINGTONIC_GEOIP_DB"] is None
