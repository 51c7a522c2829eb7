"""Notice when a study's criteria settle or its verdict changes, and tell the endpoints.

After each participant who finishes (only in workspaces with an endpoint that follows these
events), the study's report is built and its verdicts compared with those the endpoints were
last told (`VerdictState`). Criteria settle at most once each (anytime-valid verdicts never
flip, see `prototypes.analysis.verdict_path`), but the overall verdict can still change when
the team edits criteria or excludes sessions, so each change is a happening of its own.
"""

from celery import shared_task
from django.db import OperationalError, transaction

from prototypes import analysis
from prototypes.jobs import BACKOFF_RETRIES, JobTask
from prototypes.reports.metrics import build_report
from prototypes.studies.models import Study
from prototypes.webhooks.models import EventType, VerdictState
from prototypes.webhooks.services import emit, results_url

SETTLED = {analysis.PASS, analysis.FAIL}


@shared_task(
    base=JobTask,
    name="prototypes.webhooks.check_verdicts",
    autoretry_for=(OperationalError,),
    **BACKOFF_RETRIES,
)
def check_verdicts(study_id, job_id=None):
    """Compare the study's verdicts with the last ones told; emit what changed."""
    with transaction.atomic():
        # One check at a time per study: two finishing participants must not both announce.
        study = Study.objects.select_for_update().filter(pk=study_id).first()
        if study is None:
            return "no such study"
        report = build_report(study)
        state = VerdictState.objects.filter(study=study).first() or VerdictState(
            study=study, verdict=analysis.NOT_YET, criteria={}
        )
        base = {"study": {"id": study.pk, "title": study.title}, "results_url": results_url(study)}
        told = dict(state.criteria)
        for result in report.criteria:
            verdict = result.verdict.verdict
            key = str(result.criterion.pk)
            if verdict in SETTLED and told.get(key) != verdict:
                emit(
                    study.workspace_id,
                    EventType.CRITERION_SETTLED,
                    f"criterion:{key}:{verdict}",
                    {**base, "criterion": result.as_dict()},
                )
            told[key] = verdict
        changed = report.verdict != state.verdict
        if changed:
            state.changes += 1
            emit(
                study.workspace_id,
                EventType.VERDICT_CHANGED,
                f"study:{study.pk}:change:{state.changes}",
                {**base, "verdict": report.verdict, "previous": state.verdict},
            )
        if changed or told != state.criteria:
            state.verdict, state.criteria = report.verdict, told
            state.save()
    return "changed" if changed else "unchanged"
