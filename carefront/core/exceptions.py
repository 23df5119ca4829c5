"""Domain errors. Delivery layers (web, api) map them to HTTP responses in one place."""


class ApplicationError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""

    code = "application_error"

    def __init__(self, message: str, *, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFound(ApplicationError):  # noqa: N818 - reads better at the raise site
    code = "not_found"


class PermissionDenied(ApplicationError):  # noqa: N818
    code = "permission_denied"


class InvalidInput(ApplicationError):  # noqa: N818
    code = "invalid"


class Conflict(InvalidInput):
    """The input is valid but clashes with what exists (an address owned by someone else).

    A kind of InvalidInput, so forms show it like any other rule; the API answers 409.
    """

    code = "conflict"
