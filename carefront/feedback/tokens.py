"""The secrets in survey and NPS links: derived from a per-row salt and the secret key, stored
only as a hash; and the customer's unsubscribe link. Each kind of link has a key of its own, so
a token made for one purpose never works for another. Rotating CAREFRONT_SECRET_KEY invalidates
the links already sent."""

import hashlib
import hmac
import re
import secrets

from django.utils.crypto import salted_hmac

KEY_SALT = "carefront.feedback.survey-link"
NPS_KEY_SALT = "carefront.feedback.nps-link"
UNSUBSCRIBE_KEY_SALT = "carefront.feedback.unsubscribe-link"
TOKEN_RE = re.compile(r"^[0-9a-f]{64}$")
UNSUBSCRIBE_RE = re.compile(r"^([1-9][0-9]{0,18})-([0-9a-f]{64})$")


def new_salt() -> str:
    return secrets.token_hex(16)


def survey_token(salt: str) -> str:
    """64 hex characters (HMAC-SHA256): unguessable, and the same for every send attempt."""
    return salted_hmac(KEY_SALT, salt, algorithm="sha256").hexdigest()


def nps_token(salt: str) -> str:
    """Like `survey_token`, under the NPS links' own key."""
    return salted_hmac(NPS_KEY_SALT, salt, algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed(token: str) -> bool:
    return bool(TOKEN_RE.match(token or ""))


def unsubscribe_token(customer_id: int) -> str:
    """`<customer id>-<HMAC of it>`: the same in every email to the customer, good for them
    only, and only for (un)subscribing."""
    signature = salted_hmac(UNSUBSCRIBE_KEY_SALT, str(customer_id), algorithm="sha256")
    return f"{customer_id}-{signature.hexdigest()}"


def unsubscribe_customer_id(token: str) -> int | None:
    """The customer an unsubscribe token was made for; None when it is forged or malformed."""
    match = UNSUBSCRIBE_RE.match(token or "")
    if match is None:
        return None
    customer_id = int(match.group(1))
    if not hmac.compare_digest(unsubscribe_token(customer_id), token):
        return None
    return customer_id


IMPROVEMENT_OPTOUT_KEY_SALT = "carefront.feedback.improvement-news-optout"


def improvement_optout_token(customer_id: int) -> str:
    """Like `unsubscribe_token`, under a key of its own: the link in "you said, we did"
    messages stops those only (a survey unsubscribe link does not work here, nor this one
    there)."""
    signature = salted_hmac(IMPROVEMENT_OPTOUT_KEY_SALT, str(customer_id), algorithm="sha256")
    return f"{customer_id}-{signature.hexdigest()}"


def improvement_optout_customer_id(token: str) -> int | None:
    """The customer an improvement opt-out token was made for; None when forged or malformed."""
    match = UNSUBSCRIBE_RE.match(token or "")
    if match is None:
        return None
    customer_id = int(match.group(1))
    if not hmac.compare_digest(improvement_optout_token(customer_id), token):
        return None
    return customer_id
