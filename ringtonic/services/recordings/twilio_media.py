"""Fetch a recording's audio from Twilio, and delete it there, with the workspace's credentials.

The address is built from the account and recording SIDs and the configured API host, never
taken from a callback's RecordingUrl, so the credentials only ever go to Twilio.
"""

from __future__ import annotations

import re
from typing import BinaryIO

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ringtonic.services.errors import ServiceError

ACCOUNT_SID = re.compile(r"^AC[0-9a-f]{32}$")
RECORDING_SID = re.compile(r"^RE[0-9a-f]{32}$")
# Connect and read timeouts: a stalled download must not hold a worker for long.
TIMEOUT = (5, 60)
# A recording larger than this is not a phone call (several hours of dual-channel WAV).
MAX_BYTES = 512 * 1024 * 1024
CHUNK = 64 * 1024


class DownloadFailed(ServiceError):
    """Twilio did not hand over the recording (yet); the copy is tried again later."""


def _session(attempts: int, backoff: float) -> requests.Session:
    session = requests.Session()
    retry = Retry(
        total=attempts - 1,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET", "DELETE"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def recording_url(api_url: str, account_sid: str, recording_sid: str) -> str:
    """Return Twilio's address of the recording (without a format extension)."""
    if not ACCOUNT_SID.match(account_sid) or not RECORDING_SID.match(recording_sid):
        raise DownloadFailed("Not a Twilio account or recording SID.")
    return f"{api_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Recordings/{recording_sid}"


def download_recording(
    api_url: str,
    account_sid: str,
    auth_token: str,
    recording_sid: str,
    target: BinaryIO,
    *,
    attempts: int = 3,
    backoff: float = 0.5,
) -> int:
    """Write the recording as WAV into `target` (then rewound); return its size in bytes.

    Raises DownloadFailed when Twilio does not hand it over after `attempts` tries.
    """
    url = recording_url(api_url, account_sid, recording_sid) + ".wav"
    try:
        with (
            _session(attempts, backoff) as session,
            session.get(
                url, auth=(account_sid, auth_token), timeout=TIMEOUT, stream=True
            ) as response,
        ):
            if response.status_code != 200:
                raise DownloadFailed(f"Twilio answered {response.status_code} for the recording.")
            if not response.headers.get("Content-Type", "").startswith("audio/"):
                raise DownloadFailed("Twilio's answer was not audio.")
            received = 0
            for chunk in response.iter_content(CHUNK):
                received += len(chunk)
                if received > MAX_BYTES:
                    raise DownloadFailed("The recording is larger than any call recording.")
                target.write(chunk)
    except requests.RequestException as error:
        raise DownloadFailed(f"Twilio could not be reached ({type(error).__name__}).") from None
    if received == 0:
        raise DownloadFailed("Twilio sent an empty recording.")
    target.seek(0)
    return received


def delete_from_twilio(api_url: str, account_sid: str, auth_token: str, recording_sid: str) -> None:
    """Delete the recording at Twilio (gone already counts as deleted) or raise DownloadFailed."""
    url = recording_url(api_url, account_sid, recording_sid) + ".json"
    try:
        with _session(3, 0.5) as session:
            response = session.delete(url, auth=(account_sid, auth_token), timeout=TIMEOUT)
    except requests.RequestException as error:
        raise DownloadFailed(f"Twilio could not be reached ({type(error).__name__}).") from None
    if response.status_code not in (204, 404):
        raise DownloadFailed(f"Twilio answered {response.status_code} to the delete.")
