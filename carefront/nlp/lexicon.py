"""The sentiment lexicons: word and phrase valences (about -3 very negative to +3 very positive),
negations, intensifiers and contrast words, for English and German.

Written for what customers say about support: besides the usual words, the domain's own
negative ones ("still waiting", "no reply", "broken", "keine Antwort", "kaputt") and its praise
("went above and beyond", "weiter so"). Scales follow VADER's (Hutto & Gilbert, 2014), so a
reader who knows it can check the numbers; the lists are our own.
"""

from dataclasses import dataclass, field
from functools import cached_property

# German adjectives are inflected ("gute", "schlechten"): each base form below also scores with
# these endings. Stems are not matched by prefix: "gut" must not make "Gutschein" praise.
GERMAN_ADJECTIVE_ENDINGS = ("", "e", "er", "es", "en", "em")


@dataclass(frozen=True)
class Lexicon:
    valence: dict[str, float]
    # Multi-word expressions, scored as one unit before their words (longest first).
    phrases: dict[tuple[str, ...], float]
    negations: frozenset[str]
    # Multiply the next sentiment word: "very" 1.4, "slightly" 0.6.
    boosters: dict[str, float]
    # "but": what follows weighs more than what came before in the sentence.
    contrasts: frozenset[str]
    # Verbs that a negation *after* them negates ("Das hilft nicht", "es klappt nicht").
    negated_after: frozenset[str] = field(default_factory=frozenset)

    @cached_property
    def phrases_by_first_word(self) -> dict[str, list[tuple[tuple[str, ...], float]]]:
        """Phrases by their first word, longest first: one dict lookup per token."""
        index: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for phrase, value in sorted(self.phrases.items(), key=lambda p: -len(p[0])):
            index.setdefault(phrase[0], []).append((phrase, value))
        return index

    @property
    def phrases_words(self) -> frozenset[str]:
        return frozenset(w for phrase in self.phrases for w in phrase)


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(entries: dict[str, float]) -> dict[tuple[str, ...], float]:
    return {tuple(k.split()): v for k, v in entries.items()}


def _german(adjectives: dict[str, float], others: dict[str, float]) -> dict[str, float]:
    words = dict(others)
    for base, value in adjectives.items():
        for ending in GERMAN_ADJECTIVE_ENDINGS:
            words.setdefault(base + ending, value)
    return words


# fmt: off
EMOTICONS = {
    ":)": 1.5, ":-)": 1.5, ":D": 2.0, ":-D": 2.0, ";)": 1.2, "<3": 2.0,
    ":(": -1.5, ":-(": -1.5, ":/": -1.0, ":-/": -1.0, ":|": -0.5,
    "🙂": 1.2, "😀": 2.0, "😃": 2.0, "😊": 2.0, "😍": 2.8, "👍": 1.5, "🙏": 1.3, "❤": 2.5,
    "👏": 2.0, "🎉": 2.0, "😞": -1.8, "😢": -1.8, "😭": -2.0, "😠": -2.2, "😡": -2.5,
    "🤬": -3.0, "👎": -1.8, "🙁": -1.5, "☹": -1.5,
}

ENGLISH = Lexicon(
    valence={
        **EMOTICONS,
        # praise
        "good": 1.9, "great": 3.1, "excellent": 3.2, "amazing": 2.8, "awesome": 3.1,
        "fantastic": 2.6, "perfect": 2.7, "wonderful": 2.7, "brilliant": 2.8, "superb": 3.0,
        "outstanding": 3.0, "best": 3.0, "helpful": 1.8, "friendly": 2.2, "kind": 1.6,
        "polite": 1.8, "patient": 1.4, "professional": 1.5, "efficient": 1.5, "quick": 1.0,
        "quickly": 1.0, "fast": 1.2, "prompt": 1.2, "promptly": 1.2, "easy": 1.5,
        "smooth": 1.4, "happy": 2.7, "glad": 2.0, "pleased": 1.9, "satisfied": 1.8,
        "love": 3.2, "loved": 2.9, "like": 1.0, "liked": 1.2, "nice": 1.8, "lovely": 2.5,
        "thanks": 1.2, "thank": 1.2, "thx": 1.0, "grateful": 2.0, "appreciate": 1.7,
        "appreciated": 1.7, "recommend": 1.5, "impressed": 2.0, "solved": 1.5,
        "resolved": 1.5, "fixed": 1.2, "sorted": 1.0, "works": 1.0, "worked": 1.0,
        "working": 0.8, "helped": 1.5, "ok": 0.9, "okay": 0.9, "fine": 0.8, "clear": 0.8,
        "lifesaver": 2.5, "pleasant": 2.0, "knowledgeable": 1.8, "responsive": 1.5,
        "reliable": 1.6, "thorough": 1.4, "competent": 1.8, "exceptional": 3.0,
        "delighted": 2.9, "satisfying": 1.9, "terrific": 2.8, "pleasure": 2.2,
        # complaints
        "bad": -2.5, "poor": -2.1, "poorly": -2.0, "terrible": -2.9, "awful": -2.8,
        "horrible": -2.8, "worst": -3.1, "worse": -2.1, "useless": -2.4, "rude": -2.6,
        "slow": -1.5, "unhelpful": -2.2, "disappointed": -2.2, "disappointing": -2.3,
        "disappointment": -2.3, "frustrated": -2.2, "frustrating": -2.2, "annoyed": -1.9,
        "annoying": -1.9, "angry": -2.3, "furious": -2.9, "unacceptable": -2.7,
        "ridiculous": -2.1, "pathetic": -2.6, "waste": -1.8, "wasted": -1.9, "broken": -1.8,
        "wrong": -1.6, "problem": -1.2, "problems": -1.2, "issue": -0.8, "issues": -0.8,
        "fail": -2.0, "failed": -2.0, "fails": -2.0, "failure": -2.2, "ignored": -1.9,
        "ignoring": -1.7, "unresolved": -1.8, "incompetent": -2.6, "unprofessional": -2.3,
        "confusing": -1.3, "confused": -1.1, "complicated": -1.0, "hate": -2.7,
        "hated": -2.6, "sucks": -2.5, "sucked": -2.4, "crap": -2.5, "garbage": -2.4,
        "scam": -2.9, "lied": -2.5, "lies": -2.2, "misleading": -2.0, "delay": -1.2,
        "delayed": -1.3, "late": -1.0, "unable": -1.2, "damaged": -1.8, "missing": -1.2,
        "lost": -1.3, "complaint": -1.5, "complain": -1.5, "complaining": -1.4,
        "unhappy": -2.2, "dissatisfied": -2.2, "upset": -1.9, "stupid": -2.3,
        "shit": -2.6, "shitty": -2.8, "fucking": -1.5, "fuck": -2.5, "damn": -1.5,
        "wtf": -2.0, "nightmare": -2.6, "joke": -1.0, "disgrace": -2.8, "disgusting": -2.9,
        "unfortunately": -0.8, "sadly": -1.0, "sad": -2.0, "worried": -1.5,
        "unreachable": -1.6, "nobody": -0.8, "mess": -1.9, "hopeless": -2.3,
        "incorrect": -1.4, "refused": -1.5, "cancelled": -0.6, "overcharged": -2.0,
        "expensive": -0.9, "mediocre": -1.3, "meh": -1.0, "worthless": -2.6,
    },
    phrases=_phrases(
        {
            "no help": -2.0, "no response": -1.8, "no reply": -1.8, "no answer": -1.8,
            "no one": -1.0, "still waiting": -2.0, "still not": -1.2, "waste of time": -2.6,
            "thanks for nothing": -2.6, "took forever": -2.0, "too long": -1.6,
            "never again": -2.5, "hung up": -1.5, "gave up": -1.5, "run around": -1.8,
            "above and beyond": 2.8, "spot on": 2.0, "well done": 2.2, "much appreciated": 2.2,
            "thank you": 1.5, "not at all": 0.0, "no problem": 0.8, "no problems": 0.8,
            "no issue": 0.6, "no issues": 0.6, "no worries": 0.8, "no complaints": 1.5,
            "can't complain": 1.2, "keep it up": 2.0, "let down": -2.0, "fed up": -2.2,
        }
    ),
    negations=_word_set(
        "not no never nothing without hardly barely neither nor cannot cant can't dont don't "
        "didnt didn't doesnt doesn't isnt isn't wasnt wasn't wont won't wouldnt wouldn't "
        "couldnt couldn't shouldnt shouldn't arent aren't werent weren't havent haven't "
        "hasnt hasn't hadnt hadn't aint ain't"
    ),
    boosters={
        "very": 1.4, "really": 1.35, "so": 1.3, "extremely": 1.6, "incredibly": 1.6,
        "super": 1.4, "totally": 1.4, "absolutely": 1.5, "completely": 1.5, "utterly": 1.6,
        "truly": 1.35, "highly": 1.4, "most": 1.3, "such": 1.25, "too": 1.3,
        "especially": 1.3, "exceptionally": 1.6, "seriously": 1.4, "fucking": 1.5,
        "quite": 1.1, "slightly": 0.6, "somewhat": 0.6, "fairly": 0.8, "rather": 0.8,
        "little": 0.6, "bit": 0.6, "kinda": 0.7, "mostly": 0.8,
    },
    contrasts=frozenset({"but", "however", "although", "though", "yet"}),
)

GERMAN = Lexicon(
    valence=_german(
        adjectives={
            "gut": 1.9, "toll": 2.6, "hervorragend": 3.0, "ausgezeichnet": 3.0,
            "exzellent": 3.0, "perfekt": 2.8, "freundlich": 2.0, "hilfreich": 1.9,
            "schnell": 1.2, "zufrieden": 1.9, "glücklich": 2.5, "begeistert": 2.8,
            "dankbar": 2.0, "kompetent": 1.9, "wunderbar": 2.8, "genial": 2.8, "nett": 1.8,
            "höflich": 1.7, "geduldig": 1.4, "professionell": 1.6, "unkompliziert": 1.7,
            "empfehlenswert": 2.0, "klasse": 2.6, "prima": 2.4, "fantastisch": 2.8,
            "großartig": 3.0, "super": 2.8, "zuverlässig": 1.6, "kulant": 1.8,
            "schlecht": -2.5, "schlimm": -2.3, "furchtbar": -2.8, "schrecklich": -2.8,
            "katastrophal": -3.0, "miserabel": -2.8, "unfreundlich": -2.4, "langsam": -1.4,
            "enttäuscht": -2.2, "enttäuschend": -2.3, "ärgerlich": -2.0, "verärgert": -2.2,
            "sauer": -1.8, "wütend": -2.4, "frech": -1.8, "unverschämt": -2.7,
            "unmöglich": -1.9, "inakzeptabel": -2.6, "nutzlos": -2.3, "sinnlos": -1.9,
            "unzufrieden": -2.2, "frustriert": -2.2, "frustrierend": -2.2, "kaputt": -1.8,
            "beschädigt": -1.8, "defekt": -1.7, "falsch": -1.5, "mies": -2.3,
            "lächerlich": -2.1, "verspätet": -1.3, "unprofessionell": -2.3,
            "inkompetent": -2.6, "nervig": -1.8, "umständlich": -1.3, "kompliziert": -1.0,
            "traurig": -2.0, "unbrauchbar": -2.4, "unhöflich": -2.4, "ahnungslos": -2.0,
            "teuer": -0.9, "mangelhaft": -2.2, "unverständlich": -1.4,
        },
        others={
            **EMOTICONS,
            "danke": 1.2, "dankeschön": 1.8, "top": 2.5, "spitze": 2.8, "geholfen": 1.5,
            "hilft": 0.8, "gelöst": 1.5, "funktioniert": 0.9, "klappt": 0.9, "geklappt": 1.0,
            "empfehlen": 1.5, "ok": 0.9, "okay": 0.9, "lob": 2.0, "gefällt": 1.8,
            "gefallen": 1.5, "freue": 1.8, "freut": 1.8, "erledigt": 1.0, "behoben": 1.2,
            "katastrophe": -2.8, "enttäuschung": -2.3, "ärgern": -1.8, "fehler": -1.2,
            "problem": -1.2, "probleme": -1.2, "mist": -2.0, "scheiße": -2.8,
            "scheisse": -2.8, "scheiß": -2.5, "ignoriert": -1.9, "verspätung": -1.3,
            "beschwerde": -1.5, "reklamation": -1.0, "leider": -0.8, "zeitverschwendung": -2.4,
            "frechheit": -2.6, "zumutung": -2.6, "ärger": -1.8, "verloren": -1.3,
            "fehlt": -1.0, "unfähig": -2.5, "abzocke": -2.9, "betrug": -2.9,
        },
    ),
    phrases=_phrases(
        {
            "keine antwort": -1.8, "keine hilfe": -2.0, "keine rückmeldung": -1.8,
            "keine reaktion": -1.8, "warte immer noch": -2.0, "immer noch nicht": -1.5,
            "nie wieder": -2.5, "geht nicht": -1.5, "passt nicht": -1.2, "stimmt nicht": -1.2,
            "läuft nicht": -1.4, "vielen dank": 1.8, "herzlichen dank": 2.0, "besten dank": 1.8,
            "weiter so": 2.2, "kein problem": 0.8, "keine probleme": 0.8, "gar nicht": 0.0,
            "viel zu lange": -2.0, "zu lange": -1.6, "hat gedauert": -0.8,
        }
    ),
    negations=_word_set(
        "nicht kein keine keinen keinem keiner keines nie niemals nichts ohne kaum "
        "nirgends niemand"
    ),
    boosters={
        "sehr": 1.4, "wirklich": 1.35, "total": 1.4, "extrem": 1.6, "echt": 1.35,
        "absolut": 1.5, "völlig": 1.5, "ganz": 1.2, "überaus": 1.5, "äußerst": 1.6,
        "mega": 1.5, "richtig": 1.3, "so": 1.3, "besonders": 1.3, "unglaublich": 1.6,
        "voll": 1.3, "zu": 1.2, "ziemlich": 1.15, "etwas": 0.6, "bisschen": 0.6,
        "wenig": 0.6, "eher": 0.8,
    },
    contrasts=frozenset({"aber", "jedoch", "allerdings", "trotzdem", "dennoch", "doch"}),
    negated_after=frozenset(
        {"hilft", "funktioniert", "klappt", "gefällt", "geholfen", "funktionierte", "half"}
    ),
)

# fmt: on

LEXICONS: dict[str, Lexicon] = {"en": ENGLISH, "de": GERMAN}
