"""Triage of new conversations: language, sentiment and urgency, and an intent predicted by a
classifier trained on the team's own history (docs/triage.md). Everything runs locally."""
