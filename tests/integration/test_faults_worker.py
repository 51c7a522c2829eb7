"""A Celery worker killed with SIGKILL while it processes a screen.

Tasks are acknowledged late and rejected when their worker is lost, so the message goes back to
the queue and another worker processes the screen: it ends up ready exactly once (one image, one
thumbnail, no extra screen, no file left behind). The kill comes while the worker decodes the
upload, where processing spends its time (tests/integration/worker_hooks.py pauses it there).
"""

import os
import signal
import time
from pathlib import Path

import pytest

from prototypes.authoring.tasks import INTERRUPTED_REASON
from prototypes.jobs import MAX_INTERRUPTED_RUNS, Job
from prototypes.models import Screen
from tests import factories
from tests.integration.conftest import wait_until
from tests.integration.services import designer_session, upload_screen, wait_for

pytest_plugins = ["tests.integration.conftest_faults"]
pytestmark = pytest.mark.integration

VISIBILITY_TIMEOUT = 3


@pytest.fixture
def prototype(designer, workspace):
    return factories.PrototypeFactory(workspace=workspace, created_by=designer)


def upload(stack, designer, prototype):
    web = stack.web(workers=1)
    response = upload_screen(
        designer_session(designer),
        web,
        prototype,
        "Checkout.png",
        factories.png_bytes((780, 1688), (200, 80, 40)),
    )
    assert response.status_code == 201, response.text
    return Screen.objects.get(pk=response.json()["screens"][0]["id"])


def upload_and_wait_for_the_pause(stack, designer, prototype, pause_file):
    screen = upload(stack, designer, prototype)
    wait_for(pause_file.exists, 30, "the worker to start processing the screen")
    return screen


def stored_files(media_root):
    return {
        path.relative_to(media_root).as_posix()
        for path in Path(media_root).rglob("*")
        if path.is_file()
    }


def assert_processed_exactly_once(screen, prototype, media_root):
    screen.refresh_from_db()
    assert screen.status == Screen.Status.READY, screen.failure_reason
    assert Screen.objects.filter(version__prototype=prototype).count() == 1
    job = Job.objects.get(task_name="prototypes.authoring.process_screen")
    assert job.state == Job.State.DONE
    assert job.sends == 1  # re-delivered by the broker, not sent again
    assert screen.image.name.endswith(".webp") and screen.thumbnail.name.endswith(".webp")
    # The original, one image and one thumbnail: nothing written by the killed worker remains.
    assert stored_files(media_root) == {
        screen.upload.name,
        screen.image.name,
        screen.thumbnail.name,
    }


def test_a_worker_killed_mid_task_leaves_the_screen_to_another_worker(
    stack, designer, prototype, settings, tmp_path
):
    pause_file = tmp_path / "paused"
    first = stack.worker("first", PROTOPLATFORM_TEST_PAUSE_FILE=pause_file)
    screen = upload_and_wait_for_the_pause(stack, designer, prototype, pause_file)
    taken_at = time.monotonic()

    stack.kill(first)  # the whole worker, as when its machine dies

    screen.refresh_from_db()
    assert screen.status == Screen.Status.PROCESSING
    # Redis hands the unacknowledged message to a consumer once the visibility timeout has
    # passed; a worker checks for such messages when it starts, then every 100 seconds.
    time.sleep(max(0.0, taken_at + VISIBILITY_TIMEOUT + 1 - time.monotonic()))
    second = stack.worker(
        "second",
        PROTOPLATFORM_TEST_PAUSE_FILE=pause_file,
        CELERY_VISIBILITY_TIMEOUT=VISIBILITY_TIMEOUT,
    )

    assert wait_until(lambda: Job.objects.filter(state=Job.State.DONE).exists(), timeout=60), (
        stack.logs()
    )
    assert_processed_exactly_once(screen, prototype, settings.MEDIA_ROOT)
    log = second.log_path.read_text()
    assert log.count("] received") == 1
    assert log.count("] succeeded") == 1


def test_a_pool_process_killed_mid_task_gives_the_task_back_to_the_queue(
    stack, designer, prototype, settings, tmp_path
):
    pause_file = tmp_path / "paused"
    workers = [
        stack.worker(name, PROTOPLATFORM_TEST_PAUSE_FILE=pause_file) for name in ("one", "two")
    ]
    screen = upload_and_wait_for_the_pause(stack, designer, prototype, pause_file)

    # The out-of-memory killer takes the process doing the work; its worker lives on, sees
    # the loss and puts the message back at the head of the queue for either worker.
    os.kill(int(pause_file.read_text()), signal.SIGKILL)

    assert wait_until(lambda: Job.objects.filter(state=Job.State.DONE).exists(), timeout=60), (
        stack.logs()
    )
    assert_processed_exactly_once(screen, prototype, settings.MEDIA_ROOT)
    logs = "".join(worker.log_path.read_text() for worker in workers)
    assert logs.count("WorkerLostError('Worker exited prematurely: signal 9") == 1
    assert logs.count("] received") == 2
    assert logs.count("] succeeded") == 1


def test_a_screen_that_kills_its_pool_process_every_time_fails_instead_of_looping(
    stack, designer, prototype
):
    worker = stack.worker("one", PROTOPLATFORM_TEST_KILL_DECODE="1")
    screen = upload(stack, designer, prototype)

    assert wait_until(lambda: Job.objects.filter(state=Job.State.FAILED).exists(), timeout=90), (
        stack.logs()
    )
    screen.refresh_from_db()
    assert screen.status == Screen.Status.FAILED
    assert screen.failure_reason == INTERRUPTED_REASON
    log = worker.log_path.read_text()
    assert log.count("WorkerLostError('Worker exited prematurely: signal 9") == MAX_INTERRUPTED_RUNS
