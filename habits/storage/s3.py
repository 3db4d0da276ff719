"""S3-compatible object storage (AWS S3, MinIO; moto's server in tests) through boto3.

``S3Objects`` is one bucket under a key prefix: put, get, delete and a readiness check. What the
store answers is turned into what the services understand: a missing key is FileNotFoundError,
a store that cannot be reached (refused connection, timeout, a 5xx) or refuses us (no such
bucket, access denied: logged as an error) is StoreUnavailable (503 with Retry-After at the
edges), never a 500. Photos live under ``photos/`` (``S3PhotoStore``); share cards,
once they are cached, take their own prefix through the same class (``cards/``).

Credentials come from the settings S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY when set (from the
environment, never the repository), else from boto3's own chain (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, a profile, an instance role).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import boto3
from botocore.config import Config as BotoConfig
from botocore.exceptions import BotoCoreError, ClientError

from habits.services.photos import Photo, checked_name, new_name
from habits.services.ports import StoreUnavailable

log = logging.getLogger(__name__)

#: a store that does not answer fails the request within seconds (the 503 says when to retry);
#: path-style addressing works with every S3-compatible server (MinIO, moto) and with AWS
CLIENT_CONFIG = BotoConfig(
    connect_timeout=2,
    read_timeout=10,
    retries={"max_attempts": 2, "mode": "standard"},
    s3={"addressing_style": "path"},
)
#: the error codes S3 answers for a key (or a bucket) that is not there
MISSING = frozenset({"NoSuchKey", "NotFound", "404", "NoSuchBucket"})
PHOTOS_PREFIX = "photos/"


def client_from_config(config: Mapping):
    """An S3 client for S3_ENDPOINT_URL (None: AWS) in S3_REGION; thread-safe, one per app."""
    return boto3.session.Session().client(
        "s3",
        endpoint_url=config.get("S3_ENDPOINT_URL") or None,
        region_name=config.get("S3_REGION") or None,
        aws_access_key_id=config.get("S3_ACCESS_KEY_ID") or None,
        aws_secret_access_key=config.get("S3_SECRET_ACCESS_KEY") or None,
        config=CLIENT_CONFIG,
    )


@contextmanager
def _answers(name: str) -> Iterator[None]:
    """Translate the store's failures: missing -> FileNotFoundError, unreachable -> StoreUnavailable."""
    try:
        yield
    except ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        if code in MISSING and code != "NoSuchBucket":
            raise FileNotFoundError(name) from None
        if status < 500:  # no such bucket, access denied: the operator's to fix, said loudly
            log.error("the object store refused %s: %s (check S3_BUCKET and the keys)", name, code)
        raise _unavailable() from exc
    except BotoCoreError as exc:  # connection refused, timeouts, a stream cut short
        raise _unavailable() from exc


def _unavailable() -> StoreUnavailable:
    return StoreUnavailable("The file store cannot be reached right now; please try again in a moment.")


class S3Objects:
    """The objects of ``bucket`` under ``prefix``; names are relative to the prefix."""

    def __init__(self, client, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def key(self, name: str) -> str:
        return self.prefix + checked_name(name)

    def put(self, name: str, data: bytes, content_type: str) -> None:
        with _answers(name):
            self.client.put_object(
                Bucket=self.bucket, Key=self.key(name), Body=data, ContentType=content_type
            )

    def get(self, name: str) -> bytes:
        with _answers(name):
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key(name))
            return answer["Body"].read()

    def delete(self, name: str) -> None:
        with _answers(name):
            self.client.delete_object(Bucket=self.bucket, Key=self.key(name))

    def check(self) -> str | None:
        """/readyz: None when the bucket answers, else why not."""
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            return f"the bucket {self.bucket!r} answered {exc.response.get('Error', {}).get('Code')}"
        except BotoCoreError as exc:
            return f"the object store does not answer ({type(exc).__name__})"
        return None


class S3PhotoStore:
    """``habits.services.photos.PhotoStorage`` in a bucket: the rows keep the same names as with
    the local folder (``<challenge id>/<random>.<ext>``), the keys add ``photos/``."""

    def __init__(self, objects: S3Objects) -> None:
        self.objects = objects

    def save(self, challenge_id: int, photo: Photo) -> str:
        name = new_name(challenge_id, photo)
        self.objects.put(name, photo.data, photo.content_type)
        return name

    def read(self, relative: str) -> bytes:
        return self.objects.get(relative)

    def delete(self, relative: str) -> None:
        try:
            self.objects.delete(relative)
        except ValueError:
            pass  # a name that is not ours was never stored
