"""The API object, with the answers every operation may give written into the OpenAPI document.

Endpoints declare their own outcomes; the ones that come from the machinery around them are
added here, once, to every operation, so the document stays true as endpoints are added:
401 and 429 (with `Retry-After`) wherever a caller must authenticate, 422 wherever there is
something to validate, 413 wherever there is a body.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI

from .schemas import ErrorOut, ValidationErrorOut

METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
RATE_HEADERS = {
    "X-RateLimit-Limit": _("Requests allowed in the current window."),
    "X-RateLimit-Remaining": _("Requests left in the current window."),
    "X-RateLimit-Reset": _("When the window ends (Unix time, seconds)."),
}


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _headers(**extra: Any) -> dict:
    headers = {
        name: {"description": str(text), "schema": {"type": "integer"}}
        for name, text in RATE_HEADERS.items()
    }
    for name, text in extra.items():
        headers[name.replace("_", "-")] = {"description": str(text), "schema": {"type": "integer"}}
    return headers


class CarefrontAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ErrorOut, ValidationErrorOut):
            components.setdefault(
                model.__name__,
                model.model_json_schema(ref_template="#/components/schemas/{model}"),
            )
        for path_item in schema.get("paths", {}).values():
            for method, operation in path_item.items():
                if method in METHODS:
                    _add_common_responses(operation)
        return schema


def _add_common_responses(operation: dict) -> None:
    # ninja keys responses by int status: use the same keys, or JSON would hold "401" twice.
    responses = {str(k): v for k, v in operation.get("responses", {}).items()}
    operation["responses"] = responses
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault(
            "422",
            {
                "description": str(_("The request does not match the schema.")),
                "content": _ref("ValidationErrorOut"),
            },
        )
    if operation.get("requestBody"):
        responses.setdefault(
            "413",
            {"description": str(_("The request body is too large.")), "content": _ref("ErrorOut")},
        )
    if operation.get("security"):
        responses.setdefault(
            "401",
            {"description": str(_("Not authenticated.")), "content": _ref("ErrorOut")},
        )
        responses.setdefault(
            "429",
            {
                "description": str(_("Too many requests: wait `Retry-After` seconds.")),
                "content": _ref("ErrorOut"),
                "headers": _headers(Retry_After=_("Seconds to wait before trying again.")),
            },
        )
