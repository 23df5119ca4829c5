"""Secrets we must read back (an IMAP password, a webhook signing secret), encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) with keys derived from SECRET_KEY and
SECRET_KEY_FALLBACKS: rotate SECRET_KEY the Django way (old key into the fallbacks) and stored
values still decrypt; saving them again re-encrypts them with the new key.
"""

import base64
import functools
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

logger = logging.getLogger(__name__)

PREFIX = "fernet:"


def _derive(secret: str) -> Fernet:
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"carefront.encrypted-field", info=b"fernet"
    ).derive(secret.encode())
    return Fernet(base64.urlsafe_b64encode(key))


@functools.cache
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_derive(secret) for secret in secrets])


def _current() -> MultiFernet:
    return _fernet((settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def encrypt(plain: str) -> str:
    return PREFIX + _current().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    """The plain text; a value stored before encryption existed is returned as it is."""
    if not stored.startswith(PREFIX):
        return stored
    return _current().decrypt(stored[len(PREFIX) :].encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted in the database and plain in Python.

    It cannot be searched or filtered on. A value that no key can decrypt (SECRET_KEY changed
    without keeping the old one in SECRET_KEY_FALLBACKS) reads as "" and is logged, so the row
    still loads and the secret can be entered again.
    """

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        try:
            return decrypt(value)
        except InvalidToken:
            logger.error(
                "A stored secret (%s) cannot be decrypted: was SECRET_KEY changed without "
                "keeping the old key in SECRET_KEY_FALLBACKS? Enter the secret again.",
                self,
            )
            return ""

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value else value
