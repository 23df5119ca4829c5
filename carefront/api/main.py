"""The REST API, version 1, mounted at `/api/v1/`."""

from . import errors
from .auth import SessionAuth, TokenAuth
from .docs import LocalSwagger
from .endpoints import (
    agents,
    attachments,
    conversations,
    customers,
    feedback,
    followups,
    held_mail,
    improvements,
    inboxes,
    knowledge,
    notifications,
    nps,
    people,
    quality,
    quality_reviews,
    ratings,
    recovery,
    reports,
    saved_replies,
    search,
    sla_policies,
    tags,
    teams,
    triage,
    webhooks,
)
from .endpoints import rules as rules_endpoints
from .openapi import CarefrontAPI
from .parser import StrictParser

api = CarefrontAPI(
    title="Carefront API",
    version="1",
    # A link to the guide served by this same server (carefront/web/docs.py), not a file path.
    description=(
        "Everything an agent can do in Carefront, for programs. The guide, with tokens, "
        "errors, pagination and examples: [/docs/api/](/docs/api/) on this server."
    ),
    urls_namespace="api",
    auth=[TokenAuth(), SessionAuth()],
    docs=LocalSwagger(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=StrictParser(),
)
errors.install(api)
api.add_router("", conversations.router)
api.add_router("", followups.router)
api.add_router("", customers.router)
api.add_router("", inboxes.router)
api.add_router("", webhooks.router)
api.add_router("", held_mail.router)
api.add_router("", teams.router)
api.add_router("", agents.router)
api.add_router("", tags.router)
api.add_router("", saved_replies.router)
api.add_router("", search.router)
api.add_router("", attachments.router)
api.add_router("", ratings.router)
api.add_router("", notifications.router)
api.add_router("", nps.router)
api.add_router("", sla_policies.router)
api.add_router("", recovery.router)
api.add_router("", quality.router)
api.add_router("", quality_reviews.router)
api.add_router("", knowledge.router)
api.add_router("", reports.router)
api.add_router("", people.router)
api.add_router("", improvements.router)
api.add_router("", feedback.router)
api.add_router("", triage.router)
api.add_router("", rules_endpoints.router)
