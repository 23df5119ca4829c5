"""The knowledge app's models, one module per part."""

from .contact import ContactDeflection, ContactForm, ContactSubmission, PortalSignIn

__all__ = ["ContactDeflection", "ContactForm", "ContactSubmission", "PortalSignIn"]
