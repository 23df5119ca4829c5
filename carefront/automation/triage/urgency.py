"""How urgent a customer's message reads, from signals anyone can check: urgent words, an
outage, a deadline, repeated "!", shouting, a legal threat, a cancellation, strong anger. Each
signal found is returned with its points, so the label is never a mystery."""

import re
from dataclasses import dataclass

HIGH_FROM = 2  # points: one strong signal, or two weak ones
LOW_PHRASES = re.compile(
    r"\b(no rush|no hurry|not urgent|whenever you (can|get a chance)|when you have time|"
    r"keine eile|nicht dringend|pas urgent|sin prisa|geen haast)\b",
    re.IGNORECASE,
)

# (kind, points, pattern). Patterns match whole words, in the languages customers write in.
SIGNALS: tuple[tuple[str, int, re.Pattern[str]], ...] = (
    (
        "urgent",
        2,
        re.compile(
            r"\b(urgent(ly)?|asap|a\.s\.a\.p|immediately|emergency|critical|right now|"
            r"as soon as possible|dringend|sofort|eilig|notfall|urgence|imm[ée]diatement|"
            r"urgente|inmediatamente|spoed|dringend|subito|urgentemente|pilne)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "outage",
        2,
        re.compile(
            r"\b(is down|are down|went down|(site|server|service|system|website|app) down|"
            r"outage|not loading|can'?t (access|log ?in)|cannot (access|log ?in)|"
            r"production|data loss|lost (all|my) data|hacked|security breach|ausfall|"
            r"ausgefallen|st[öo]rung|geht nicht mehr|panne|en panne|ca[íi]do)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "deadline",
        1,
        re.compile(
            r"\b(today|tonight|by tomorrow|by (monday|tuesday|wednesday|thursday|friday)|"
            r"deadline|end of (the )?day|eod|within \d+ (hours?|minutes?)|heute|bis morgen|"
            r"frist|aujourd'hui|hoy|vandaag|oggi)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "legal",
        2,
        re.compile(
            r"\b(lawyer|attorney|solicitor|legal action|sue|suing|lawsuit|court|ombudsman|"
            r"chargeback|trading standards|consumer protection|anwalt|rechtliche schritte|"
            r"verbraucherzentrale|avocat|abogado|advocaat|avvocato)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "cancel",
        1,
        re.compile(
            r"\b(cancel(l?ing|l?ed|lation)?|close my account|terminate|unsubscribe|"
            r"switch(ing)? to (a )?competitor|k[üu]ndig(en|ung)|r[ée]silier|cancelar|opzeggen)\b",
            re.IGNORECASE,
        ),
    ),
)
REPEATED_EXCLAMATION = re.compile(r"!{2,}|(?:!\s*\?|\?\s*!){1,}")
CAPS_WORD = re.compile(r"\b[A-ZÄÖÜÉÈÀ]{3,}\b")
# Acronyms that are not shouting.
ACRONYMS = frozenset(
    [
        "ASAP",
        "API",
        "URL",
        "PDF",
        "VAT",
        "IBAN",
        "BIC",
        "SMS",
        "FAQ",
        "CEO",
        "CTO",
        "GDPR",
        "DSGVO",
        "USA",
        "EUR",
        "USD",
        "GBP",
        "HTML",
        "CSV",
        "SSO",
        "SLA",
        "EOD",
        "UPS",
        "DHL",
        "DPD",
        "TNT",
        "FYI",
    ]
)
ANGER_BELOW = -0.5  # sentiment score


@dataclass(frozen=True, slots=True)
class Signal:
    kind: str  # urgent, outage, deadline, legal, cancel, exclamation, shouting, anger, calm
    text: str
    points: int


def urgency_signals(text: str, *, sentiment_score: float | None = None) -> list[Signal]:
    text = text or ""
    found: list[Signal] = []
    calm = LOW_PHRASES.search(text)
    for kind, points, pattern in SIGNALS:
        for match in pattern.finditer(text):
            if calm and kind == "urgent" and calm.start() <= match.start() < calm.end():
                continue  # "not urgent"
            found.append(Signal(kind, match.group(0), points))
            break  # a kind counts once
    exclaimed = REPEATED_EXCLAMATION.search(text)
    if exclaimed:
        found.append(Signal("exclamation", exclaimed.group(0), 1))
    shouted = [w for w in CAPS_WORD.findall(text) if w not in ACRONYMS]
    letters = [c for c in text if c.isalpha()]
    if len(shouted) >= 2 or (
        len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters)
    ):
        found.append(Signal("shouting", " ".join(shouted[:3]) or text[:20], 1))
    if sentiment_score is not None and sentiment_score <= ANGER_BELOW:
        found.append(Signal("anger", f"{sentiment_score:+.2f}", 1))
    if calm:
        found.append(Signal("calm", calm.group(0), 0))
    return found


def urgency_level(signals: list[Signal]) -> str:
    """ "high" from HIGH_FROM points, "low" when the customer says there is no rush and nothing
    else says otherwise, else "normal"."""
    points = sum(s.points for s in signals)
    if points >= HIGH_FROM:
        return "high"
    if any(s.kind == "calm" for s in signals) and points == 0:
        return "low"
    return "normal"
