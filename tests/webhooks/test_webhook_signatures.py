"""Signatures: the documented test vectors, checked by implementations other than the sender's."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from ringtonic.docs.webhook_examples import NODE, PYTHON, VECTOR
from ringtonic.services.webhooks.signing import signature_headers


def test_the_sender_produces_the_documented_vectors():
    headers = signature_headers(VECTOR["body"].encode(), [VECTOR["secret"]], VECTOR["timestamp"])
    assert headers == {
        "Ringtonic-Signature": VECTOR["ringtonic_signature"],
        "Signature": VECTOR["signature"],
    }


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_openssl_computes_the_same_vectors():
    def hmac_hex(message: str) -> str:
        out = subprocess.run(
            ["openssl", "dgst", "-sha256", "-hmac", VECTOR["secret"], "-r"],
            input=message.encode(),
            capture_output=True,
            check=True,
        ).stdout.decode()
        return out.split()[0]

    signed = f"{VECTOR['timestamp']}.{VECTOR['body']}"
    assert VECTOR["ringtonic_signature"] == f"t={VECTOR['timestamp']},v1={hmac_hex(signed)}"
    assert VECTOR["signature"] == hmac_hex(VECTOR["body"])


def test_the_documented_python_example_verifies_the_vectors():
    namespace: dict = {}
    exec(PYTHON, namespace)  # noqa: S102  (the documentation's own code)
    verify = namespace["verify"]
    args = (VECTOR["secret"], VECTOR["ringtonic_signature"])
    assert verify(*args, VECTOR["body"].encode(), now=VECTOR["timestamp"] + 10)
    assert not verify(*args, VECTOR["body"].encode() + b" ", now=VECTOR["timestamp"])
    assert not verify(*args, VECTOR["body"].encode(), now=VECTOR["timestamp"] + 301)
    assert not verify("whsec_other", args[1], VECTOR["body"].encode(), now=VECTOR["timestamp"])


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_the_documented_node_example_verifies_the_vectors(tmp_path):
    (tmp_path / "verify.js").write_text(NODE)
    script = f"""
const {{ verify }} = require("./verify.js");
const v = {json.dumps(VECTOR)};
const body = Buffer.from(v.body);
console.log(JSON.stringify([
  verify(v.secret, v.ringtonic_signature, body, 300, v.timestamp + 10),
  verify(v.secret, v.ringtonic_signature, Buffer.from(v.body + " "), 300, v.timestamp),
  verify(v.secret, v.ringtonic_signature, body, 300, v.timestamp + 301),
  verify(v.secret, "t=" + v.timestamp + ",v1=00,v1=" + v.ringtonic_signature.split("v1=")[1],
         body, 300, v.timestamp),
]));
"""
    (tmp_path / "run.js").write_text(script)
    out = subprocess.run(
        ["node", "run.js"], cwd=tmp_path, capture_output=True, check=True, timeout=30
    ).stdout
    assert json.loads(out) == [True, False, False, True]


def test_the_api_docs_show_the_examples_and_vectors(client):
    html = client.get("/docs/api").get_data(as_text=True)
    assert 'id="webhooks"' in html
    for text in (VECTOR["ringtonic_signature"], "hash_hmac", "timingSafeEqual", "compare_digest"):
        assert text in html


def test_the_openapi_document_describes_every_event(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert set(document["webhooks"]) == {
        "call.started",
        "call.completed",
        "call.missed",
        "call.updated",
        "call.blocked",
    }
    schema = document["components"]["schemas"]["WebhookEvent"]
    assert {"$ref": "#/components/schemas/Call"} in schema["properties"]["data"]["oneOf"]
