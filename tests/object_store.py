"""The object store for the tests: moto's S3 server (``tests/s3_server.py``) started by the suite,
a fresh bucket per test, and the app's photo store swapped for one in it.

``running_moto()`` yields the server's URL and stops it on leaving (a test of the store's outage
starts its own and stops it midway). ``stored_names(store)`` lists what a photo store holds,
whichever kind it is.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from habits.services.photos import PhotoStore
from habits.storage import s3

SERVER = Path(__file__).resolve().parent / "s3_server.py"
#: any keys open moto; given as settings so the tests never read the machine's AWS files
S3_SETTINGS = {"S3_REGION": "us-east-1", "S3_ACCESS_KEY_ID": "testing", "S3_SECRET_ACCESS_KEY": "testing"}


@contextmanager
def running_moto() -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, str(SERVER)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    try:
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"moto did not start: {line!r}")
        url = f"http://127.0.0.1:{int(line.split()[1])}"
        deadline = time.monotonic() + 20
        while True:  # a bounded readiness poll: the port is printed just before it serves
            try:
                urllib.request.urlopen(url + "/moto-api/data.json", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("moto did not answer on " + url) from None
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


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
