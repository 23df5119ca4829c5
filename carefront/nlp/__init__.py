"""Small, local, explainable text analysis shared by the apps: language detection, lexicon
sentiment and "thanks to <name>" detection. Pure functions, no models, no database, no network.
"""

from .language import SUPPORTED_LANGUAGES, detect_language
from .praise import ThanksMatch, find_thanks, has_thanks_marker
from .sentiment import Driver, Sentiment, analyse_sentiment

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Driver",
    "Sentiment",
    "ThanksMatch",
    "analyse_sentiment",
    "detect_language",
    "find_thanks",
    "has_thanks_marker",
]
