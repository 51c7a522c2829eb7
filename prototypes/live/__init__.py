"""Live sessions: what participants do, pushed to the people watching (docs/live.md)."""
