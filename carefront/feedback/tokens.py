"""The secret in a survey's links: derived from the survey's salt and the secret key, stored
only as a hash. Rotating CAREFRONT_SECRET_KEY invalidates the links already sent."""

import hashlib
import re
import secrets

from django.utils.crypto import salted_hmac

KEY_SALT = "carefront.feedback.survey-link"
TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")


def new_salt() -> str:
    return secrets.token_hex(16)


def survey_token(salt: str) -> str:
    """64 hex characters (HMAC-SHA256): unguessable, and the same for every send attempt."""
    return salted_hmac(KEY_SALT, salt, algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))
