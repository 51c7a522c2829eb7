"""A Figma import run by a real Celery worker through Redis, against the local fake API.

The token travels to the worker in the job's message only: the import succeeds there, and
afterwards neither the worker's log nor anything left in the broker holds the token.
"""

from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.urls import reverse

from prototypes.figma.models import FigmaImport
from tests import factories
from tests.figma_fake import TOKEN, FakeFigma, design_file, phone_flow
from tests.integration.conftest import wait_until

pytestmark = pytest.mark.integration

KEY = "InTeGrAtIoNfIlEkEy123"


@pytest.fixture
def fake(monkeypatch, settings):
    server = FakeFigma()
    # Read by the worker process, which inherits this environment when it starts.
    monkeypatch.setenv("FIGMA_API_URL", server.url)
    monkeypatch.setenv("MEDIA_ROOT", str(settings.MEDIA_ROOT))
    yield server
    server.close()


@pytest.fixture
def worker(fake, celery_worker):
    return celery_worker


def broker_contents():
    """Every value the broker's database holds, as one string."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    found = []
    for key in client.scan_iter():
        kind = client.type(key)
        if kind == b"string":
            found.append(client.get(key))
        elif kind == b"list":
            found.extend(client.lrange(key, 0, -1))
        elif kind == b"hash":
            found.extend(client.hvals(key))
        elif kind == b"set":
            found.extend(client.smembers(key))
        elif kind == b"zset":
            found.extend(client.zrange(key, 0, -1))
    return b"".join(found).decode("utf-8", "replace")


def test_a_worker_imports_with_the_token_and_keeps_it_nowhere(client, designer, fake, worker):
    workspace = designer.memberships.get().workspace
    prototype = factories.PrototypeFactory(workspace=workspace)
    fake.files[KEY] = design_file("Shop", [phone_flow(3)])
    client.force_login(designer)

    response = client.post(
        reverse("figma_import", args=[prototype.pk]),
        {"link": KEY, "token": TOKEN, "scale": 1},
    )

    assert response.status_code == 302
    figma_import = FigmaImport.objects.get()
    assert wait_until(lambda: FigmaImport.objects.get().is_finished, timeout=90)
    figma_import.refresh_from_db()
    assert figma_import.status == FigmaImport.Status.DONE, figma_import.error
    assert prototype.draft.screens.filter(status="ready").count() == 3
    assert {request["token"] for request in fake.requested("/v1/")} == {TOKEN}
    log = Path(worker.log_path).read_text()
    assert "import_figma" in log and TOKEN not in log
    assert TOKEN not in broker_contents()
