"""The decision log: what the team decided about a problem after looking at the evidence.

Owners record decisions (go, no-go, iterate, with the reasons) on the problem's decision log;
the latest one is shown beside the verdict of every study of that problem (results, summary,
its PDF and stakeholder link) and given in report.json, so a reader never sees a verdict
without what the team made of it.
"""

from prototypes.reports.models import Decision


def latest_decision(study):
    """The latest decision a person recorded on the study's problem, or None: one query."""
    return (
        Decision.objects.filter(problem_id=study.problem_id)
        .select_related("study", "decided_by")
        .first()
    )


def decision_dict(decision, study):
    """``decision`` as report.json gives it, beside the verdict of ``study``."""
    if decision is None:
        return None
    return {
        "decision": decision.decision,
        "label": decision.get_decision_display(),
        "rationale": decision.rationale,
        "decided_at": decision.decided_at.isoformat(),
        "decided_by": decision.decided_by.email if decision.decided_by else None,
        "study": decision.study_id,
        "based_on_this_study": decision.study_id == study.pk,
    }
