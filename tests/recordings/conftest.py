"""Fixtures: Twilio's media host and an S3-compatible server, both real HTTP on 127.0.0.1."""

from __future__ import annotations

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tests.support.ports import free_port
from tests.support.recording_servers import BUCKET, TwilioMedia
from tests.support.telephony_helpers import ACCOUNT_SID, AUTH_TOKEN


@pytest.fixture
def twilio_media():
    """Twilio's recording endpoints, answering for the test workspace's credentials."""
    with TwilioMedia(ACCOUNT_SID, AUTH_TOKEN) as media:
        yield media


@pytest.fixture(scope="session")
def s3_endpoint():
    """An S3-compatible server (moto's standalone server) for the whole run."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_bucket(s3_endpoint, monkeypatch):
    """An empty bucket, with the credentials boto3 finds in the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "ringtonic-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "ringtonic-test-secret")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket=BUCKET)
    yield client
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])
    client.delete_bucket(Bucket=BUCKET)
