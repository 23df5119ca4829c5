"""Evaluate the local sentiment check and language detection (carefront/nlp) on the shared
corpora, and time them. Prints a markdown table, then one JSON line for bench/run.py.

    .venv/bin/python bench/sentiment.py        # needs ../shared/corpora (or CAREFRONT_CORPORA)

No corpus here carries sentiment labels, so the intent labels stand in (say what each number
means before reading it):

- bitext `complaint` utterances ("I want to file a complaint", "im not happy with the service,
  what should i do") are expected to read *negative*; bitext `review` utterances ("I'm happy
  with the service and want to leave a review", "where can I write a review?") *not negative*.
  "complaint vs review accuracy" = share of both where negative <=> complaint.
- Every other bitext intent and all of banking77 are requests ("track my order", "my card has
  not arrived"): they are not comments about the service. The share scored at or below the
  recovery threshold is how often such a text, had it been a rating comment, would have opened
  a recovery task on its own (a false-alarm upper bound: "my card still hasn't arrived" IS a
  complaint in a comment). Reported per bitext flag: W (offensive) should read negative more.
- Language: every bitext and banking77 text is English; the reply-parser threads named after a
  language (Danish, Dutch, Polish, Swedish, Japanese, German) should come out as that language,
  or "unknown", never English or German by mistake.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from carefront.nlp import analyse_sentiment, detect_language  # noqa: E402

THRESHOLD = -0.25  # carefront.feedback.services.recovery.NEGATIVE_COMMENT_THRESHOLD
# Words of the fixture names that say the thread's language (email_danish_1, email_nl_1_1,
# multiline_on_de, ...).
NAMED_LANGUAGES = {
    "danish": "da",
    "swedish": "sv",
    "sv": "sv",
    "nl": "nl",
    "pl": "pl",
    "ja": "ja",
    "de": "de",
}


def corpora_dir() -> Path | None:
    configured = os.environ.get("CAREFRONT_CORPORA")
    path = Path(configured) if configured else ROOT / ".." / "shared" / "corpora"
    return path.resolve() if path.is_dir() else None


def _bitext(base: Path) -> list[dict]:
    path = base / "bitext-customer-support-samples" / "20k-utterances"
    with (path / "TrainingdatasetBitextsample.csv").open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _banking(base: Path) -> list[str]:
    with (base / "banking77" / "train.csv").open(encoding="utf-8") as f:
        return [row["text"] for row in csv.DictReader(f)]


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def main() -> int:
    base = corpora_dir()
    if base is None:
        print("corpora not found")
        return 1
    bitext = _bitext(base)
    banking = _banking(base)
    texts = [row["utterance"] for row in bitext] + banking

    started = time.perf_counter()
    scored = [analyse_sentiment(t) for t in texts]
    sentiment_s = time.perf_counter() - started
    started = time.perf_counter()
    languages = [detect_language(t) for t in texts]
    language_s = time.perf_counter() - started

    by_text = dict(zip(texts, scored, strict=False))
    complaint = [r for r in bitext if r["intent"] == "complaint"]
    review = [r for r in bitext if r["intent"] == "review"]
    requests = [r for r in bitext if r["intent"] not in {"complaint", "review"}]
    offensive = [r for r in requests if "W" in r["flags"]]
    polite = [r for r in requests if "W" not in r["flags"]]

    def negative(rows) -> int:
        return sum(1 for r in rows if by_text[r["utterance"]].is_negative)

    def alarms(rows) -> int:
        return sum(1 for r in rows if by_text[r["utterance"]].score <= THRESHOLD)

    correct = negative(complaint) + (len(review) - negative(review))
    banking_alarms = sum(1 for s in scored[len(bitext) :] if s.score <= THRESHOLD)
    english = Counter(languages)

    named = []
    emails = base / "mail-parser-reply" / "test" / "emails"
    for path in sorted(emails.glob("*.txt")) if emails.is_dir() else []:
        words = path.stem.lower().split("_")
        wanted = next((NAMED_LANGUAGES[w] for w in words if w in NAMED_LANGUAGES), None)
        if wanted:
            found = detect_language(path.read_text(encoding="utf-8", errors="replace"))
            named.append((path.name, wanted, found))
    named_ok = sum(1 for _n, wanted, found in named if found in {wanted, "unknown"})
    named_exact = sum(1 for _n, wanted, found in named if found == wanted)

    result = {
        "texts": len(texts),
        "complaint_negative_pct": _pct(negative(complaint), len(complaint)),
        "review_negative_pct": _pct(negative(review), len(review)),
        "complaint_vs_review_accuracy_pct": _pct(correct, len(complaint) + len(review)),
        "complaints": len(complaint),
        "reviews": len(review),
        "bitext_request_alarm_pct": _pct(alarms(requests), len(requests)),
        "bitext_offensive_alarm_pct": _pct(alarms(offensive), len(offensive)),
        "bitext_polite_alarm_pct": _pct(alarms(polite), len(polite)),
        "banking77_alarm_pct": _pct(banking_alarms, len(banking)),
        "english_detected_pct": _pct(english["en"], len(texts)),
        "languages_seen": dict(english.most_common(5)),
        "named_threads_ok": f"{named_ok}/{len(named)}",
        "named_threads_exact": f"{named_exact}/{len(named)}",
        "named_threads": named,
        "sentiment_per_s": round(len(texts) / sentiment_s),
        "language_per_s": round(len(texts) / language_s),
    }
    print("| measure | result |")
    print("|---|---|")
    print(
        f"| complaint vs review ({len(complaint)} + {len(review)} bitext utterances), "
        f"accuracy | {result['complaint_vs_review_accuracy_pct']} % |"
    )
    print(f"| complaints read negative | {result['complaint_negative_pct']} % |")
    print(f"| reviews read negative | {result['review_negative_pct']} % |")
    print(
        f"| other bitext requests at or below {THRESHOLD} (would open a task) | "
        f"{result['bitext_request_alarm_pct']} % (offensive W: "
        f"{result['bitext_offensive_alarm_pct']} %, "
        f"others: {result['bitext_polite_alarm_pct']} %) |"
    )
    print(f"| banking77 requests at or below {THRESHOLD} | {result['banking77_alarm_pct']} % |")
    print(
        f"| English detected on {len(texts):,} English texts | "
        f"{result['english_detected_pct']} % ({result['languages_seen']}) |"
    )
    print(
        f"| named-language threads: right or unknown / exact | {result['named_threads_ok']} / "
        f"{result['named_threads_exact']} |"
    )
    print(
        f"| speed | {result['sentiment_per_s']:,} texts/s sentiment, "
        f"{result['language_per_s']:,} texts/s language |"
    )
    print(json.dumps(result, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
