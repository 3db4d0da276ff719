"""The object store for the tests: moto's S3 server (``tests/s3_server.py``) started by the suite,
a fresh bucket per test, and the app's photo store swapped for one in it.

``running_moto()`` yields the server's URL and stops it on leaving (a test of the store's outage
starts its own and stops it midway). ``stored_names(store)`` lists what a photo store holds,
whichever kind it is.
"""

from __future__ import annotations

import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from habits.services.photos import PhotoStore
from habits.storage import s3
from tests.server_process import serving

SERVER = Path(__file__).resolve().parent / "s3_server.py"
#: any keys open moto; given as settings so the tests never read the machine's AWS files
S3_SETTINGS = {"S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


def _answers(url: str) -> None:
    urllib.request.urlopen(url + "/moto-api/data.json", timeout=2).close()


@contextmanager
def running_moto() -> Iterator[str]:
    with serving(SERVER, "moto", _answers) as url:
        yield url


def s3_settings(url: str, bucket: str) -> dict:
    return {**S3_SETTINGS, "PHOTO_STORAGE": "s3", "S3_ENDPOINT_URL": url, "S3_BUCKET": bucket}


def new_bucket(url: str) -> tuple[object, str]:
    """A client of the server at ``url`` and a fresh, empty bucket in it."""
    client = s3.client_from_config({**S3_SETTINGS, "S3_ENDPOINT_URL": url})
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    client.create_bucket(Bucket=bucket)
    return client, bucket


def stored_names(store) -> list[str]:
    """The names (``<challenge id>/<file>``) a photo store holds."""
    if isinstance(store, PhotoStore):
        root = store.root
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    objects = store.objects
    listed = objects.client.list_objects_v2(Bucket=objects.bucket, Prefix=objects.prefix)
    return sorted(item["Key"].removeprefix(objects.prefix) for item in listed.get("Contents", []))
