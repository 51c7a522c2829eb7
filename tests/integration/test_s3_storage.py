"""Media on S3-compatible storage: the same upload, processing and serving as on local disk.

moto's S3 runs in server mode on loopback; the test process and a real Celery worker both reach
it through the settings production derives from the AWS_* variables (the storage settings are
read from `protoplatform.settings` in a fresh interpreter with those variables, not copied).
"""

import html
import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import boto3
import pytest
import requests
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from moto.moto_api._internal import moto_api_backend

from prototypes import storage_sweep
from prototypes.jobs import Job
from prototypes.models import PrototypeVersion, Screen, Study
from tests import factories
from tests.integration.conftest import start_worker, stop_worker, wait_for_worker, wait_until
from tests.integration.services import ROOT, start_moto_server, tail

pytestmark = pytest.mark.integration

BUCKET = "protoplatform-media"
REGION = "eu-west-1"
CORPUS = ROOT / "tests" / "corpus"


def production_settings(env):
    """What protoplatform.settings makes of these variables: the media storage, the CSP's
    img-src, and the URL the storage gives a rendition (signing needs no network)."""
    script = (
        "import json, django; django.setup(); "
        "from django.conf import settings; "
        "from django.core.files.storage import default_storage; "
        "print(json.dumps({'storage': settings.STORAGES['default'], "
        "'img_src': settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "'url': default_storage.url('screens/0123456789abcdef0123456789abcdef.webp')}))"
    )
    output = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "protoplatform.settings"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@pytest.fixture
def s3(settings, monkeypatch):
    # moto keeps its buckets in this process from one server to the next: each test starts
    # with none.
    moto_api_backend.reset()
    server = start_moto_server()
    try:
        variables = {
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": server.url,
            "AWS_ACCESS_KEY_ID": "protoplatform-test",
            "AWS_SECRET_ACCESS_KEY": "protoplatform-test-secret",
            "AWS_S3_REGION_NAME": REGION,
        }
        # The worker started after this inherits them, as production's worker would.
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        client = boto3.client(
            "s3",
            endpoint_url=server.url,
            region_name=REGION,
            aws_access_key_id=variables["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=variables["AWS_SECRET_ACCESS_KEY"],
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        production = production_settings(dict(os.environ))
        assert production["storage"]["BACKEND"] == "storages.backends.s3.S3Storage"
        # Django's setting_changed handler resets default_storage and the storages cache.
        settings.STORAGES = {**settings.STORAGES, "default": production["storage"]}

        def keys():
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            return sorted(item["Key"] for page in pages for item in page.get("Contents", []))

        yield SimpleNamespace(
            url=server.url, client=client, keys=keys, img_src=production["img_src"]
        )
    finally:
        server.stop()


@pytest.fixture
def s3_worker(s3, transactional_db, tmp_path):
    from protoplatform.celery import app

    app.control.purge()
    process = start_worker(tmp_path / "worker.log", "s3-worker")
    try:
        wait_for_worker(process)
        yield process
    finally:
        stop_worker(process)
        sys.stdout.write(tail(process.log_path))


def upload(client, prototype, *files):
    return client.post(
        reverse("screen_upload", args=[prototype.pk]),
        {"files": list(files)},
        HTTP_ACCEPT="application/json",
    )


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def test_screens_are_uploaded_processed_and_served_through_s3(
    designer_client, designer, workspace, s3, s3_worker
):
    prototype = factories.PrototypeFactory(workspace=workspace, created_by=designer)
    png = SimpleUploadedFile("Home.png", factories.png_bytes((390, 844), (30, 90, 200)))
    pdf = SimpleUploadedFile("Checkout.pdf", (CORPUS / "two_pages.pdf").read_bytes())

    response = upload(designer_client, prototype, png, pdf)

    assert response.status_code == 201, response.content
    assert wait_until(lambda: not Job.objects.exclude(state=Job.State.DONE).exists(), timeout=60), (
        list(Job.objects.values("task_name", "state", "last_error"))
    )
    screens = list(Screen.objects.filter(version__prototype=prototype).order_by("position"))
    assert [screen.name for screen in screens] == [
        "Checkout — page 1",
        "Checkout — page 2",
        "Home",
    ]
    assert {screen.status for screen in screens} == {Screen.Status.READY}

    # Every object in the bucket belongs to a screen, and every screen's files are there: two
    # originals (the PDF's pages share theirs), an image and a thumbnail per screen.
    referenced = {
        getattr(screen, field).name
        for screen in screens
        for field in ("upload", "image", "thumbnail")
    }
    keys = s3.keys()
    assert set(keys) == referenced
    assert len([key for key in keys if key.startswith("uploads/")]) == 2
    assert len([key for key in keys if key.startswith("screens/")]) == 6

    # Renditions are served by S3 itself through signed URLs.
    for screen in screens:
        for file in (screen.image, screen.thumbnail):
            url = file.url
            assert url.startswith(f"{s3.url}/{BUCKET}/screens/")
            assert "X-Amz-Signature=" in url
            assert origin(url) in s3.img_src  # the page's CSP lets the browser load it
            answer = requests.get(url, timeout=10)
            assert answer.status_code == 200
            assert answer.headers["Content-Type"] == "image/webp"
            assert answer.content[:4] == b"RIFF" and answer.content[8:12] == b"WEBP"
            unsigned = requests.get(url.split("?", 1)[0], timeout=10)
            assert unsigned.status_code == 403

    # The designer's pages show the signed renditions and never an original's key.
    uploads = {screen.upload.name for screen in screens}
    upload_ids = {Path(name).name for name in uploads}
    pages = [
        page(designer_client, reverse("prototype_detail", args=[prototype.pk])),
        page(designer_client, reverse("screen_editor", args=[screens[0].pk])),
        page(designer_client, reverse("prototype_preview", args=[prototype.pk])),
        page(designer_client, reverse("prototype_flow_map", args=[prototype.pk])),
    ]
    assert f"{s3.url}/{BUCKET}/{screens[0].thumbnail.name}?" in pages[0]
    assert f"{s3.url}/{BUCKET}/{screens[0].image.name}?" in pages[1]

    # Published and played: the participant's player gets signed URLs too.
    response = designer_client.post(reverse("prototype_publish", args=[prototype.pk]))
    assert response.status_code == 302
    version = PrototypeVersion.objects.get(prototype=prototype, number=1)
    study = factories.StudyFactory(
        workspace=workspace, prototype_version=version, state=Study.State.LIVE
    )
    factories.TaskFactory(study=study, start_screen=version.screens.get(name="Home"))
    link = factories.ShareLinkFactory(study=study)
    pages.append(page(designer_client, reverse("player_start", args=[link.token])))
    started = designer_client.post(
        reverse("api_session_start", args=[link.token]),
        json.dumps({"consent": True}),
        content_type="application/json",
    )
    assert started.status_code == 201
    pages.append(started.content.decode())
    for played in started.json()["screens"]:
        assert played["image_url"].startswith(f"{s3.url}/{BUCKET}/screens/")
        assert requests.get(played["image_url"], timeout=10).status_code == 200

    for text in pages:
        for upload_id in upload_ids:
            assert upload_id not in text
        assert "uploads/" not in text

    # The daily sweep finds an orphan in the bucket and leaves every screen's files alone.
    orphan = default_storage.save("screens/" + "f" * 32 + ".webp", ContentFile(b"orphan"))
    later = timezone.now() + storage_sweep.GRACE * 2
    assert storage_sweep.sweep_unreferenced_files(now=later) == [orphan]
    assert set(s3.keys()) == referenced


@pytest.mark.parametrize(
    "endpoint", ["", "https://objects.example.com"], ids=["aws", "s3-compatible"]
)
def test_the_content_security_policy_allows_the_signed_media_urls(endpoint):
    production = production_settings(
        {
            **os.environ,
            "AWS_STORAGE_BUCKET_NAME": "team-media",
            "AWS_S3_REGION_NAME": "eu-west-1",
            "AWS_S3_ENDPOINT_URL": endpoint,
            "AWS_ACCESS_KEY_ID": "protoplatform-test",
            "AWS_SECRET_ACCESS_KEY": "protoplatform-test-secret",
        }
    )

    assert "X-Amz-Signature=" in production["url"]
    assert origin(production["url"]) in production["img_src"]
