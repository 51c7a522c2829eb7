"""The report as one JSON document (docs/api-reports.md): what report.json and the designer
API's report answer, built one way so the two cannot drift apart."""

from prototypes.reports.concepts import compare_concepts
from prototypes.reports.decisions import decision_dict, latest_decision
from prototypes.reports.metrics import build_report


def report_document(study, revision=None):
    data = build_report(study, revision).as_dict()
    comparison = compare_concepts(study, revision)
    data["concepts"] = comparison.as_dict() if comparison else None
    data["decision"] = decision_dict(latest_decision(study), study)
    return data
