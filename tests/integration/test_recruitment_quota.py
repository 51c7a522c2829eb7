"""Fifty participants finish at the same moment against a quota of forty: exactly forty count.

Each participant's browser sends its last batch (with the session's end) through the real
ingestion, in its own thread with its own PostgreSQL connection, all released at once.
"""

import threading
import uuid

import pytest
from django.db import connection

from prototypes.player import ingestion
from prototypes.recruitment import admission
from prototypes.recruitment.models import Admission, StudyRecruitment
from prototypes.sessions.models import ParticipantSession
from prototypes.studies.models import Study
from tests import factories

pytestmark = pytest.mark.integration

PARTICIPANTS = 50
QUOTA = 40
State = ParticipantSession.State


def test_fifty_finishing_at_once_against_a_quota_of_forty(transactional_db):
    study = factories.StudyFactory(state=Study.State.LIVE)
    StudyRecruitment.objects.create(study=study, quota=QUOTA)
    link = factories.ShareLinkFactory(study=study)
    tokens = [admission.start_participant(link)[0].token for _ in range(PARTICIPANTS)]
    barrier = threading.Barrier(PARTICIPANTS)
    failures = []

    def finish(token):
        try:
            barrier.wait(timeout=30)
            ingestion.ingest_events(
                token, [{"id": str(uuid.uuid4()), "type": "session_end", "t_ms": 60_000}]
            )
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=finish, args=(token,)) for token in tokens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    sessions = ParticipantSession.objects.filter(study=study)
    assert sessions.filter(state=State.COMPLETED).count() == QUOTA
    over = sessions.filter(state=State.SCREENED_OUT)
    assert over.count() == PARTICIPANTS - QUOTA
    assert set(over.values_list("admission__refusal", flat=True)) == {Admission.Refusal.OVER_QUOTA}
    study.refresh_from_db()
    assert study.state == Study.State.CLOSED
