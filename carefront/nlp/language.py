"""Which language a short text is written in, from its function words.

Customer comments are short ("Not good at all", "Hat leider nicht geklappt"), where
character n-gram detectors guess poorly and a model is heavy. Function words (articles,
pronouns, auxiliaries, negations) are frequent, short and distinctive per language, so counting
them is enough to tell apart the languages customers write to a help desk in. Scored: English
and German (the languages the sentiment lexicons cover); recognised so that they are not
mistaken for those two: French, Spanish, Dutch, Italian and Portuguese. Anything else, or a text
without a telling word, is "unknown".
"""

from functools import cache

from .tokens import fold, words

UNKNOWN = "unknown"
SUPPORTED_LANGUAGES = ("en", "de")


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "en": _word_set(
        "the a an and or but is are was were be been being i you he she it we they me my your "
        "our their this that these those of to in on at for with from not no never don't "
        "didn't doesn't isn't wasn't can't won't couldn't wouldn't have has had do does did "
        "will would could should very so too just still again what which who why how there "
        "here all any some thanks thank you're it's i'm i've got get"
    ),
    "de": _word_set(
        "der die das den dem des ein eine einen einem einer und oder aber ist sind war waren "
        "bin bist sein ich du er sie es wir ihr mich mir mein meine dich dir ihnen uns nicht "
        "kein keine keinen keinem keiner nie nichts zu im am vom zum zur mit von für auf aus "
        "bei nach sehr so zu auch noch schon immer wieder was wer wie warum hier alle leider "
        "danke vielen dank habe hat hatte haben wird wurde würde kann konnte gibt gar ganz "
        "überhaupt weil dass"
    ),
    "fr": _word_set(
        "le la les un une des et ou mais est sont était je tu il elle nous vous ils elles "
        "ne pas jamais rien de du au aux avec pour sur dans très merci c'est j'ai ce cette "
        "qui que quoi pourquoi comment"
    ),
    "es": _word_set(
        "el la los las un una unos unas y o pero es son era estaba yo tú él ella nosotros "
        "ustedes no nunca nada de del al con para por en muy gracias que qué porque cómo "
        "mi mis su sus está estoy"
    ),
    "nl": _word_set(
        "de het een en of maar is zijn was waren ik jij je hij zij wij jullie niet geen "
        "nooit niets van voor met op in bij naar heel zeer bedankt dank dat wat wie waarom "
        "hoe mijn nog al"
    ),
    "it": _word_set(
        "il lo la gli le un una e o ma è sono era io tu lui lei noi voi non mai niente di "
        "del della con per su in molto grazie che perché come mio mia"
    ),
    "da": _word_set(
        "og i det at en den til er som på de med han af for ikke der var mig sig men et har "
        "om vi min havde ham hun nu over da fra du ud sin dem os op man hans hvor eller hvad "
        "skal selv her alle vil blev kunne ind når være dog noget ville jo deres efter ned "
        "skulle denne end dette mit også under have dig anden hende mine alt meget sit sine "
        "vor mod disse hvis din nogle hos blive mange ad bliver hendes været thi jer sådan "
        "tak venlig hilsen"
    ),
    "sv": _word_set(
        "och det att i en jag hon som han på den med var sig för så till är men ett om hade "
        "de av icke mig du henne då sin nu har inte hans honom skulle hennes där min man ej "
        "vid kunde något från ut när efter upp vi dem vara vad över än dig kan sina här ha "
        "mot alla under någon eller allt mycket sedan ju denna själv detta åt utan varit hur "
        "ingen mitt ni bli blev oss din dessa några deras blir mina samma vilken er sådan "
        "tack hälsningar"
    ),
    "pl": _word_set(
        "i w na z się nie do że to jest o jak ale po co tak za od jego już tylko przez dla "
        "czy mnie może być jestem są jej ich go mi by sobie gdy bardzo też który która które "
        "dziękuję pozdrawiam proszę witam"
    ),
    "pt": _word_set(
        "o a os as um uma e ou mas é são era eu tu ele ela nós vocês não nunca nada de do "
        "da com para por em muito obrigado obrigada que porque como meu minha"
    ),
}
# Letters that only some of these languages write.
LETTER_HINTS: dict[str, str] = {
    "de": "äöüß",
    "es": "ñ¿¡",
    "fr": "çœèêà",
    "pt": "ãõ",
    "da": "æø",
    "sv": "å",
    "pl": "ąćęłńśźż",
}
# Scripts that name their language outright (a Japanese mail quoting an English header is
# still Japanese): kana, Han, Hangul, Cyrillic, Greek, Arabic, Hebrew.
SCRIPTS: tuple[tuple[str, str, str], ...] = (
    ("ja", "\u3040", "\u30ff"),
    ("ko", "\uac00", "\ud7af"),
    ("zh", "\u4e00", "\u9fff"),
    ("ru", "\u0400", "\u04ff"),
    ("el", "\u0370", "\u03ff"),
    ("ar", "\u0600", "\u06ff"),
    ("he", "\u0590", "\u05ff"),
)
SCRIPT_SHARE = 0.2


@cache
def _lexicon_words(language: str) -> frozenset[str]:
    from .lexicon import LEXICONS

    return frozenset(LEXICONS[language].valence) | frozenset(LEXICONS[language].phrases_words)


def language_scores(text: str) -> dict[str, float]:
    """How many function words of each language the text holds (letter hints count half)."""
    tokens = [fold(w) for w in words(text)]
    scores = {
        language: float(sum(1 for t in tokens if t in vocabulary))
        for language, vocabulary in FUNCTION_WORDS.items()
    }
    lowered = fold(text)
    for language, letters in LETTER_HINTS.items():
        if any(letter in lowered for letter in letters):
            scores[language] += 0.5
    return scores


def _script_language(text: str) -> str | None:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    for language, low, high in SCRIPTS:
        if sum(1 for c in letters if low <= c <= high) >= SCRIPT_SHARE * len(letters):
            return language
    return None


def detect_language(text: str) -> str:
    """An ISO 639-1 code ("en", "de", "fr", ...) or "unknown".

    A tie between the best two is "unknown", unless the sentiment lexicons break it: a comment
    of one word ("Terrible!", "Katastrophe") has no function word, but its word is telling.
    """
    script = _script_language(text)
    if script is not None:
        return script
    scores = language_scores(text)
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (best, top), (_second, runner_up) = ranked[0], ranked[1]
    if top > 0 and top > runner_up:
        return best
    tokens = {fold(w) for w in words(text)}
    hits = {
        language: len(tokens & _lexicon_words(language)) + scores[language]
        for language in SUPPORTED_LANGUAGES
    }
    ranked_hits = sorted(hits.items(), key=lambda item: item[1], reverse=True)
    if ranked_hits[0][1] > 0 and ranked_hits[0][1] > ranked_hits[1][1]:
        return ranked_hits[0][0]
    return UNKNOWN
