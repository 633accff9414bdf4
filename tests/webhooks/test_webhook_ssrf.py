"""No delivery to loopback, private, link-local or metadata addresses, checked when sending."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from ringtonic.extensions import db
from ringtonic.models import WebhookDelivery
from ringtonic.services.errors import ValidationError
from ringtonic.services.webhooks.addresses import UnsafeAddress, check_url, resolve
from tests.support.telephony_helpers import post_signed, voice_params
from tests.support.webhooks import add_endpoint
from tests.webhooks.receiver import running_receiver


@pytest.fixture
def app_config(app_config):
    app_config["RINGTONIC_WEBHOOK_ALLOW_PRIVATE"] = False
    return app_config


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:{port}/hook",  # a host name that resolves to loopback
        "http://[::1]:{port}/hook",
        "http://[::ffff:127.0.0.1]:{port}/hook",
        "http://100.64.0.1/hook",
        "http://192.168.1.20/hook",
    ],
)
def test_private_addresses_are_refused_at_delivery_time(client, agency, receiver, url):
    _, user, workspace = agency
    port = receiver.url.split(":")[2].split("/")[0]
    add_endpoint(workspace, user, url.format(port=port), ["call.started"])
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.state == "failed" and delivery.next_attempt_at is None
    assert "private or reserved" in delivery.attempt_log[0].error
    assert receiver.requests == []


def test_a_name_that_resolves_inside_later_is_refused_then(client, agency, receiver, monkeypatch):
    """DNS rebinding: the check is on the address the name has when the event is sent."""
    _, user, workspace = agency
    add_endpoint(workspace, user, "https://hooks.example.com/ringtonic", ["call.started"])
    real = socket.getaddrinfo

    def rebound(host, *args, **kwargs):
        if host == "hooks.example.com":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 443))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebound)
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.state == "failed"
    assert "hooks.example.com resolves to a private" in delivery.attempt_log[0].error


def test_a_public_address_is_pinned_for_the_request(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))],
    )
    target = resolve("https://crm.example.com/in?x=1", allow_private=False)
    assert (target.ip, target.host, target.port, target.path) == (
        "93.184.215.14",
        "crm.example.com",
        443,
        "/in?x=1",
    )
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443)),
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", 443)),
        ],
    )
    with pytest.raises(UnsafeAddress):
        resolve("https://crm.example.com/in", allow_private=False)


def test_redirects_are_not_followed(client, agency, receiver, app):
    app.config["RINGTONIC_WEBHOOK_ALLOW_PRIVATE"] = True
    _, user, workspace = agency
    add_endpoint(workspace, user, receiver.url, ["call.started"])
    receiver.answer(302, headers={"Location": "http://169.254.169.254/"})
    post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
    delivery = db.session.scalar(select(WebhookDelivery))
    assert len(receiver.requests) == 1
    assert delivery.state == "failed" and delivery.attempt_log[0].status_code == 302


def test_an_international_name_is_resolved_and_named_as_browsers_write_it(monkeypatch):
    """IDNA 2008: straße.example is xn--strae-oqa.example, not strasse.example (IDNA 2003)."""
    asked: list[str] = []

    def public(host, *args, **kwargs):
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 443))]

    monkeypatch.setattr(socket, "getaddrinfo", public)
    url = check_url("https://Straße.example/in", allow_http=False)
    target = resolve(url, allow_private=False)
    assert asked == ["xn--strae-oqa.example"]
    # The name TLS checks and the Host header carry.
    assert target.host == "xn--strae-oqa.example"


def test_a_url_whose_host_is_no_name_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as error:
        check_url("https://crm..example/in", allow_http=False)
    assert error.value.field == "url"


def test_a_receiver_on_an_ipv6_literal_gets_a_valid_host_header(client, agency, app):
    app.config["RINGTONIC_WEBHOOK_ALLOW_PRIVATE"] = True
    _, user, workspace = agency
    with running_receiver("::1") as receiver:
        add_endpoint(workspace, user, receiver.url, ["call.started"])
        post_signed(client, f"/hooks/twilio/voice/{workspace.uuid}", voice_params())
        got = receiver.wait_for(1)[0]
    port = receiver.url.split("]:")[1].split("/")[0]
    assert got.headers["Host"] == f"[::1]:{port}"
    assert db.session.scalar(select(WebhookDelivery)).state == "succeeded"
