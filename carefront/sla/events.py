"""Timeline events of the sla app. Calendars write none yet: SLA targets (issue 9) will add
theirs here."""
