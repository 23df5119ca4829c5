"""Where the shared test corpora live, and how their expectations map onto our extractor.

The fixtures come from three reply parsers that disagree (see each SOURCE.md); each check below
is translated to Carefront's one behaviour (docs/email-parsing.md):
* fragment-based corpora (github, zapier): a fragment flagged hidden must end up in our quoted
  part or signature, a visible one in our reply; `parse_reply` equals our reply.
* mail-parser-reply: `replies[i]` is our `split_thread(text)[i]` (header, body, signatures).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from carefront.inboxes.email.quotes import extract_reply, split_thread


def corpora_dir() -> Path | None:
    configured = os.environ.get("CAREFRONT_CORPORA")
    path = (
        Path(configured)
        if configured
        else Path(__file__).resolve().parents[3] / ".." / "shared" / "corpora"
    )
    return path.resolve() if path.is_dir() else None


@dataclass(frozen=True, slots=True)
class Check:
    corpus: str
    fixture: str
    name: str
    passed: bool
    detail: str = ""

    @property
    def key(self) -> str:
        return f"{self.corpus}/{self.fixture}::{self.name}"


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8", "replace")


def _norm(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def fragment_corpus_checks(corpus: str) -> Iterator[Check]:
    """Checks for github-email_reply_parser and zapier-email-reply-parser."""
    base = corpora_dir() / corpus
    expectations = json.loads((base / "expectations.json").read_text())
    for fixture, spec in expectations.items():
        if fixture.startswith("_") or not isinstance(spec, dict):
            continue
        path = base / "test" / "emails" / fixture
        if not path.exists():
            continue
        text = _read(path)
        result = extract_reply(text)
        reply = _norm(result.reply)
        hidden_raw = result.quoted + "\n" + result.signature
        hidden_text = _norm(hidden_raw)
        for key in ("parse_reply_equals", "derived_parse_reply", "reply_strip_equals"):
            if key in spec:
                expected = _norm(spec[key])
                yield Check(corpus, fixture, key, reply == expected, f"{reply!r} != {expected!r}")
        for value in spec.get("parse_reply_not_contains", []):
            yield Check(corpus, fixture, f"not_contains {value[:30]!r}", value not in reply, reply)
        for value in spec.get("reply_contains", []):
            yield Check(corpus, fixture, f"contains {value[:30]!r}", value in reply, reply)
        hidden = spec.get("hidden") or []
        texts: list[tuple[str, str, str]] = []
        for index, value in spec.get("fragment_equals", {}).items():
            texts.append((index, "equals", value))
        for kind in ("fragment_contains", "fragment_regex", "fragment_regex_match"):
            for index, values in spec.get(kind, {}).items():
                listed = values if isinstance(values, list) else [values]
                texts.extend((index, kind, value) for value in listed)
        for index, kind, value in texts:
            position = int(index)
            if position >= len(hidden):
                continue
            target = hidden_text if hidden[position] else reply
            where = "hidden" if hidden[position] else "visible"
            if kind in {"fragment_regex", "fragment_regex_match"}:
                # Signature delimiters keep their trailing space ("-- "): match the raw text.
                target = hidden_raw if hidden[position] else reply
                found = re.search(value, target, re.MULTILINE) is not None
            else:
                found = _norm(value) in target
            yield Check(corpus, fixture, f"fragment {index} {where} {value[:30]!r}", found)


_MPR_FIELDS = {
    "content": lambda part: part.content,
    "body": lambda part: part.body,
    "headers": lambda part: part.header,
    "signatures": lambda part: part.signature,
}


def mail_parser_reply_checks() -> Iterator[Check]:
    corpus = "mail-parser-reply"
    base = corpora_dir() / corpus
    fixtures = json.loads((base / "expectations.json").read_text())["fixtures"]
    for fixture, tests in fixtures.items():
        if not isinstance(tests, list):
            continue
        path = base / "test" / "emails" / fixture
        if not path.exists():
            continue
        parts = split_thread(_read(path))
        for test in tests:
            test_name = (test.get("test") or "").rsplit("::", 1)[-1]
            for check in test.get("checks", []):
                field, assertion, value = check["field"], check["assert"], check["value"]
                name = (
                    f"{test_name} {check.get('reply', '')} {field} {assertion} {str(value)[:30]!r}"
                )
                if field == "len(replies)":
                    actual: object = len(parts)
                elif field.startswith("len(latest_reply"):
                    actual = len(parts[0].content.split("\n")) if parts else 0
                else:
                    index = check["reply"]
                    if index >= len(parts):
                        yield Check(corpus, fixture, name, False, f"only {len(parts)} parts")
                        continue
                    actual = _MPR_FIELDS[field](parts[index])
                if assertion == "equals":
                    passed = actual == value
                elif assertion == "contains":
                    passed = value in actual
                elif assertion == "not_contains":
                    passed = value not in actual
                else:
                    passed = str(actual).startswith(value)
                yield Check(corpus, fixture, name, passed, repr(actual)[:300])


def all_reply_checks() -> dict[str, list[Check]]:
    return {
        "github-email_reply_parser": list(fragment_corpus_checks("github-email_reply_parser")),
        "zapier-email-reply-parser": list(fragment_corpus_checks("zapier-email-reply-parser")),
        "mail-parser-reply": list(mail_parser_reply_checks()),
    }
