"""The study as the player runs it (services.study_payload), kept for a few seconds per process.

Every participant of a study is sent the same payload for the version they are shown: building
it costs five queries and as many objects as the study has screens and hotspots, which a panel
launching hundreds of participants at once would pay for each of them. The key holds what
changes the payload's rules (the revision, raised by any change of tasks once participants have
started; the version shown; the study's language); a change that leaves them alone (a title
edited while live) reaches new participants within PAYLOAD_CACHE_SECONDS.
"""

import time

from prototypes.authoring.models import PrototypeVersion
from prototypes.player import services
from prototypes.studies.models import Study

PAYLOAD_CACHE_SECONDS = 30
PAYLOAD_CACHE_SIZE = 200

_payloads = {}


def cached_study_payload(study, version_id):
    """services.study_payload of the study and the version with this id, from this process's
    short-lived cache when it can (call it under `translation.override(study.language)` as that
    function says).

    `study` needs only the fields of the key loaded (a session start's holds no more,
    entrance.read_entrance): on a miss, the study and the version are read whole.
    """
    now = time.monotonic()
    cached = _payloads.get(_key(study, version_id))
    if cached is not None and now - cached[0] < PAYLOAD_CACHE_SECONDS:
        return cached[1]
    study = Study.objects.select_related("prototype_version__prototype").get(pk=study.pk)
    version = (
        study.prototype_version
        if version_id == study.prototype_version_id
        else PrototypeVersion.objects.select_related("prototype").get(pk=version_id)
    )
    payload = services.study_payload(study, version)
    # Kept under the study as just read, which a change since the caller's read may have moved
    # on (a new revision): the caller's key then misses again rather than keeping the old rules.
    key = _key(study, version_id)
    if len(_payloads) >= PAYLOAD_CACHE_SIZE:
        _payloads.clear()
    _payloads[key] = (now, payload)
    return payload


def _key(study, version_id):
    # A primary key can come back after a rolled-back transaction (SQLite), a creation time
    # cannot.
    return (study.pk, study.created_at, study.revision, version_id, study.language)
