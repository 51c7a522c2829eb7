"""Celery discovers tasks here; each area keeps its own tasks module."""

import prototypes.audio.transcripts  # noqa: F401
import prototypes.authoring.tasks  # noqa: F401
import prototypes.figma.tasks  # noqa: F401
import prototypes.friction.tasks  # noqa: F401
import prototypes.recruitment.tasks  # noqa: F401
import prototypes.reports.tasks  # noqa: F401
from prototypes.jobs import sweep_pending_jobs  # noqa: F401
from prototypes.storage_sweep import sweep_unreferenced_files_task  # noqa: F401
from prototypes.webhooks import tasks as webhook_tasks  # noqa: F401
from prototypes.webhooks import verdicts as webhook_verdicts  # noqa: F401
from prototypes.workspaces.tasks import send_invitation_email  # noqa: F401
