"""Photos in an S3-compatible bucket (moto's server, started by the tests): an app configured with
PHOTO_STORAGE=s3 stores a check-in's photo there, serves it through its route under the same
authorization, checks the bucket in /readyz, and answers a clear 503 with Retry-After for what
needs the store while it is down (a check-in without a photo still works)."""

from __future__ import annotations

import io

import pytest

from app import create_app
from habits.models import CheckIn, Member
from habits.photo_files import PHOTO_STORE_KEY, file_objects
from habits.services.photos import accept_photo
from habits.services.ports import StoreUnavailable
from habits.storage.s3 import S3PhotoStore
from tests import images
from tests.conftest import test_settings
from tests.factories import PASSWORD, at_local
from tests.object_store import new_bucket, running_moto, s3_settings, stored_names
from tests.timehelpers import travel
from tests.web.helpers import log_in, post_form, text_of

PNG = images.png()


def s3_app(app, tmp_path, url: str, bucket: str):
    return create_app(
        {**test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path), **s3_settings(url, bucket)}
    )


def checkin_url(world) -> str:
    return f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins"


def test_a_check_in_photo_goes_to_the_bucket_and_is_served_through_the_app(
    app, session, world, tmp_path, moto_url
):
    _, bucket = new_bucket(moto_url)
    client = s3_app(app, tmp_path, moto_url, bucket).test_client()
    store = client.application.extensions[PHOTO_STORE_KEY]
    assert isinstance(store, S3PhotoStore) and store.objects.bucket == bucket
    with travel(at_local(world.challenge, 0, "05:30")):
        made = client.post(
            checkin_url(world), data={"photo": (io.BytesIO(PNG), "p.png")}, headers=world.as_("owner")
        )
    assert made.status_code == 201, made.get_json()
    (name,) = stored_names(store)
    assert name.startswith(f"{world.challenge.id}/") and name.endswith(".png")
    assert not (tmp_path / "photos").exists()  # nothing written to the node's folder
    url = f"/api/v1/checkins/{made.get_json()['id']}/photo"
    served = client.get(url, headers=world.as_("owner"))
    assert served.status_code == 200 and served.mimetype == "image/png"
    assert served.data == store.read(name)
    assert served.headers["Cache-Control"] == "private, no-store"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(url, headers=world.as_("outsider")).status_code == 404
    assert client.get(url).status_code == 401
    # the object vanished from the bucket: a 404 that says so, not a 500
    store.delete(name)
    assert client.get(url, headers=world.as_("owner")).status_code == 404


def test_readyz_checks_the_bucket(app, session, tmp_path, moto_url):
    _, bucket = new_bucket(moto_url)
    ready = s3_app(app, tmp_path, moto_url, bucket).test_client().get("/readyz")
    assert ready.get_json()["checks"]["object_store"] == {"status": "ok"}
    misconfigured = s3_app(app, tmp_path, moto_url, "no-such-bucket")
    missing = misconfigured.test_client().get("/readyz")
    assert missing.status_code == 503
    assert "no-such-bucket" in missing.get_json()["checks"]["object_store"]["error"]
    with misconfigured.app_context(), pytest.raises(StoreUnavailable):  # a 503 for the member, not a 500
        misconfigured.extensions[PHOTO_STORE_KEY].save(1, accept_photo(PNG, max_bytes=100_000))
    # the folder: nothing to ask
    assert "object_store" not in app.test_client().get("/readyz").get_json()["checks"]


def test_the_store_down_refuses_photos_with_503_and_takes_check_ins_without(app, session, world, tmp_path):
    with running_moto() as url:
        _, bucket = new_bucket(url)
        client = s3_app(app, tmp_path, url, bucket).test_client()
        store = client.application.extensions[PHOTO_STORE_KEY]
        kept = store.save(world.challenge.id, accept_photo(PNG, max_bytes=100_000))
    # moto has stopped: the object store is down
    with travel(at_local(world.challenge, 0, "05:30")):
        refused = client.post(
            checkin_url(world), data={"photo": (io.BytesIO(PNG), "p.png")}, headers=world.as_("owner")
        )
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "30"
        assert refused.get_json()["code"] == "store_unavailable"
        # nothing was recorded: the same check-in without the photo goes through
        plain = client.post(checkin_url(world), json={"note": "no photo today"}, headers=world.as_("owner"))
    assert plain.status_code == 201
    # reading a stored photo while the store is down: 503 too, never a 500
    with travel(at_local(world.challenge, 1, "05:30")):
        other_day = client.post(
            f"/api/v1/enrollments/{world.owner_enrollment.id}/checkins", json={}, headers=world.as_("owner")
        )
    assert other_day.status_code == 201
    row = session.get(CheckIn, other_day.get_json()["id"])
    row.photo_path, row.photo_content_type = kept, "image/png"
    session.commit()
    served = client.get(f"/api/v1/checkins/{row.id}/photo", headers=world.as_("owner"))
    assert served.status_code == 503 and served.headers["Retry-After"] == "30"
    # the page says what happened and that a check-in without a photo works
    page = client.application.test_client()
    with travel(at_local(world.challenge, 2, "05:30")):
        log_in(page, world.owner)
        answer = post_form(
            page, f"/enrollments/{world.owner_enrollment.id}/checkin", {"photo": (io.BytesIO(PNG), "p.png")}
        )
        assert answer.status_code == 302
        shown = text_of(page.get(answer.headers["Location"]))
        assert page.get(f"/checkins/{row.id}/photo").status_code == 503
    assert "Photos cannot be stored or shown right now" in shown
    assert "A check-in without a photo still works." in shown
    # deleting the account cannot erase its photos now: refused the same way, the account kept
    deletion = client.post("/api/v1/me/deletion", json={"password": PASSWORD}, headers=world.as_("owner"))
    assert deletion.status_code == 503 and deletion.headers["Retry-After"] == "30"
    session.expire_all()
    assert session.get(Member, world.owner.id).deleted_at is None
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["object_store"]["status"] == "error"


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_other_files_take_their_own_prefix_in_the_same_store(app, tmp_path, moto_url, kind):
    """What share cards will use: put, get, delete under a prefix, in the bucket or the folder."""
    if kind == "s3":
        _, bucket = new_bucket(moto_url)
        other = s3_app(app, tmp_path, moto_url, bucket)
    else:
        other = create_app(test_settings(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path))
    with other.app_context():
        cards = file_objects("cards/")
        cards.put("7/card.png", PNG, "image/png")
        assert cards.get("7/card.png") == PNG
        assert stored_names(other.extensions[PHOTO_STORE_KEY]) == []  # not among the photos
        with pytest.raises(ValueError):
            cards.get("../photos/7/x.png")
        cards.delete("7/card.png")
        cards.delete("7/card.png")  # already gone: nothing to do
        with pytest.raises(FileNotFoundError):
            cards.get("7/card.png")
