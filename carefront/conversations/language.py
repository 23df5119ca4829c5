"""The language a customer is written to in (surveys, the rating page, later acknowledgements).

The customer's preferred language wins; then, on a web page, what their browser asks for; then
the inbox's default language; then the site's (LANGUAGE_CODE). A preference Carefront has no
translation for (say Japanese) counts as none, so the next one in line decides.
"""

from carefront.core.i18n import first_supported_language
from carefront.customers.models import Customer
from carefront.inboxes.models import Inbox


def customer_language(*, customer: Customer, inbox: Inbox, browser: str = "") -> str:
    """`browser`: the language LocaleMiddleware-style negotiation picked from Accept-Language,
    for pages the customer opens; empty for email."""
    return first_supported_language(customer.language, browser, inbox.default_language)
