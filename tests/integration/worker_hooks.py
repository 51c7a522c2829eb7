"""A pause inside screen processing, for the tests that kill a Celery worker mid-task.

Loaded only by the test's own workers (`celery worker --include=tests.integration.worker_hooks`)
and only active when PROTOPLATFORM_TEST_PAUSE_FILE names a file: the first decode of an upload
creates that file (holding the pool process's pid) and then sleeps, so the test knows the task
is running and can kill the worker at that point. Every later decode, the re-delivery included,
finds the file there and runs normally. With PROTOPLATFORM_TEST_KILL_DECODE set instead, every
decode kills its own pool process, as the out-of-memory killer would on an image too large for
the machine. The product code carries no hook for this.
"""

import os
import signal
import time

from prototypes import imaging

PAUSE_FILE = os.environ.get("PROTOPLATFORM_TEST_PAUSE_FILE")

if PAUSE_FILE:
    decode = imaging.process_upload

    def decode_after_a_pause(*args, **kwargs):
        try:
            descriptor = os.open(PAUSE_FILE, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return decode(*args, **kwargs)
        os.write(descriptor, str(os.getpid()).encode())
        os.close(descriptor)
        time.sleep(120)
        return decode(*args, **kwargs)

    # tasks.process reads `imaging.process_upload` at call time, so this takes effect there.
    imaging.process_upload = decode_after_a_pause

if os.environ.get("PROTOPLATFORM_TEST_KILL_DECODE"):

    def decode_killed(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGKILL)

    imaging.process_upload = decode_killed
