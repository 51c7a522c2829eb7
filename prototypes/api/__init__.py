"""The designer API (JSON under /api/v1/, personal access tokens) and the OpenAPI document of
the whole public surface (participant API, report.json, share links, designer API)."""
