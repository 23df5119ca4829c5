"""Background tasks of the sla app. None yet: due-time timers (issue 9) will live here."""
