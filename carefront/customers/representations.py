"""A customer as a plain dict: the shape that the REST API answers with and webhooks send."""

from .models import Customer


def customer_repr(customer: Customer, *, notes: bool) -> dict:
    """Expects identities prefetched. `notes` (the agents' private notes) only where agents
    read them (the API), not in what goes to other systems (webhooks)."""
    c = customer
    data = {
        "id": c.pk,
        "name": c.name,
        "email": c.email,
        "language": c.language,
        "time_zone": c.time_zone,
        "notes": c.notes,
        "is_internal": c.is_internal,
        "attributes": c.attributes,
        "surveys_opted_out_at": c.surveys_opted_out_at,
        "identities": [
            {"kind": i.kind, "value": i.value}
            for i in sorted(c.identities.all(), key=lambda i: i.pk)
        ],
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }
    if not notes:
        del data["notes"]
    return data
