"""Where copied recordings live: a folder on this server, or an S3-compatible bucket.

Both stores speak the same small interface (put, size, read a byte range, delete), so
copying, playback and retention never ask which one is configured.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO, Protocol

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from ringtonic.config import ConfigError, RecordingStorageSettings
from ringtonic.services.errors import ServiceError

# Keys are built by the app (workspace uuid / recording sid), never taken from a request.
KEY_PATTERN = re.compile(r"^[0-9a-f-]{36}/RE[0-9a-f]{32}\.(wav|mp3)$")


class StorageError(ServiceError):
    """The recording store could not be read or written."""


class RecordingMissing(StorageError):
    """The store holds no object under this key."""


class RecordingStore(Protocol):
    """The operations every recording store offers."""

    def put(self, key: str, source: BinaryIO, content_type: str) -> None: ...

    def size(self, key: str) -> int: ...

    def read(self, key: str, start: int, end: int) -> bytes: ...

    def delete(self, key: str) -> None: ...


def recording_key(workspace_uuid: str, recording_sid: str, extension: str = "wav") -> str:
    """Return the storage key of a recording."""
    key = f"{workspace_uuid}/{recording_sid}.{extension}"
    if not KEY_PATTERN.match(key):
        raise StorageError(f"Not a recording key: {key!r}")
    return key


def _checked(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise StorageError(f"Not a recording key: {key!r}")
    return key


class FolderStore:
    """Recordings as files under one folder (the instance folder by default)."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)

    def path(self, key: str) -> Path:
        """Return the file that holds `key`."""
        return self.folder / _checked(key)

    def put(self, key: str, source: BinaryIO, content_type: str) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        # Written aside and renamed: a reader never sees half a file.
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as partial:
            shutil.copyfileobj(source, partial)
        os.replace(partial.name, target)

    def size(self, key: str) -> int:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            raise RecordingMissing("The recording is not in storage.") from None

    def read(self, key: str, start: int, end: int) -> bytes:
        try:
            with self.path(key).open("rb") as stored:
                stored.seek(start)
                return stored.read(end - start)
        except FileNotFoundError:
            raise RecordingMissing("The recording is not in storage.") from None

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)


class S3Store:
    """Recordings as objects in an S3-compatible bucket, under an optional prefix."""

    def __init__(self, bucket: str, prefix: str = "", endpoint_url: str | None = None) -> None:
        self.bucket = bucket
        self.prefix = f"{prefix}/" if prefix else ""
        # Credentials and region come from boto3's usual chain (environment, files, roles).
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            config=BotoConfig(retries={"mode": "standard", "max_attempts": 3}),
        )

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, source: BinaryIO, content_type: str) -> None:
        try:
            self.client.upload_fileobj(
                source, self.bucket, self._name(key), ExtraArgs={"ContentType": content_type}
            )
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"The recording could not be stored ({error}).") from error

    def size(self, key: str) -> int:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                raise RecordingMissing("The recording is not in storage.") from None
            raise StorageError(f"The recording store did not answer ({error}).") from error
        except BotoCoreError as error:
            raise StorageError(f"The recording store did not answer ({error}).") from error
        return int(head["ContentLength"])

    def read(self, key: str, start: int, end: int) -> bytes:
        if end <= start:
            return b""
        try:
            answer = self.client.get_object(
                Bucket=self.bucket, Key=self._name(key), Range=f"bytes={start}-{end - 1}"
            )
            body: bytes = answer["Body"].read()  # boto3 ships without types
            return body
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in {"404", "NoSuchKey"}:
                raise RecordingMissing("The recording is not in storage.") from None
            raise StorageError(f"The recording store did not answer ({error}).") from error
        except BotoCoreError as error:
            raise StorageError(f"The recording store did not answer ({error}).") from error

    def delete(self, key: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"The recording could not be deleted ({error}).") from error


def open_store(settings: RecordingStorageSettings) -> RecordingStore:
    """Return the store the settings name."""
    if settings.bucket:
        return S3Store(settings.bucket, settings.prefix, settings.endpoint_url)
    if not settings.folder:
        raise ConfigError("Recording storage needs a folder or a bucket; it has neither.")
    return FolderStore(settings.folder)
