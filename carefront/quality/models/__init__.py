"""The quality app's models, one module per part."""

from .marks import QaCheckSetting, QaMark

__all__ = ["QaCheckSetting", "QaMark"]
