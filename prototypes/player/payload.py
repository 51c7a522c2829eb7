"""The study as the player runs it (services.study_payload), kept for a few seconds per process.

Every participant of a study is sent the same payload for the version they are shown: building
it costs five queries and as many objects as the study has screens and hotspots, which a panel
launching hundreds of participants at once would pay for each of them. The key holds what
changes the payload's rules (the revision, raised by any change of tasks once participants have
started; the version shown; the study's language); a change that leaves them alone (a title
edited while live) reaches new participants within PAYLOAD_CACHE_SECONDS.
"""

import time

from prototypes.player import services

PAYLOAD_CACHE_SECONDS = 30
PAYLOAD_CACHE_SIZE = 200

_payloads = {}


def cached_study_payload(study, version):
    """services.study_payload(study, version), from this process's short-lived cache when it
    can (call it under `translation.override(study.language)` as that function says)."""
    # A primary key can come back after a rolled-back transaction (SQLite), a creation time
    # cannot.
    key = (study.pk, study.created_at, study.revision, version.pk, study.language)
    now = time.monotonic()
    cached = _payloads.get(key)
    if cached is not None and now - cached[0] < PAYLOAD_CACHE_SECONDS:
        return cached[1]
    payload = services.study_payload(study, version)
    if len(_payloads) >= PAYLOAD_CACHE_SIZE:
        _payloads.clear()
    _payloads[key] = (now, payload)
    return payload
