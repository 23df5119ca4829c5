"""The intent classifier: TF-IDF of words (1-2 grams) and of characters within words (2-5
grams), and a linear support-vector model over both, one score per intent.

Training uses scikit-learn (in the retraining task only). What it learned is exported as plain
arrays (vocabularies, IDF weights, the weight matrix) and stored as a compressed .npz in the
database: no pickle is ever loaded, and prediction is a few dictionary look-ups and one small
matrix product in numpy, without importing scikit-learn (well under 2 ms per message).
Confidence is the softmax of the scores (a temperature fitted on the held-out part), so an
agent reads "0.93" as "fairly sure" and "0.2" as "a guess".
"""

from __future__ import annotations

import io
import itertools
import json
import math
import random
import re
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

WORD_PATTERN = re.compile(r"(?u)\b\w\w+\b")
WHITESPACE = re.compile(r"\s\s+")
WORD_NGRAMS = (1, 2)
CHAR_NGRAMS = (2, 5)
MAX_TEXT = 2000  # characters read: the subject and the start of the first message
# Margins are scaled by this before the softmax when no held-out part fitted one.
DEFAULT_TEMPERATURE = 3.0
SVM_C = 0.5


def _normalise(text: str) -> str:
    return WHITESPACE.sub(" ", (text or "")[:MAX_TEXT].lower())


def word_features(text: str) -> list[str]:
    tokens = WORD_PATTERN.findall(text)
    found = list(tokens)
    found.extend(" ".join(pair) for pair in itertools.pairwise(tokens))
    return found


def char_features(text: str) -> list[str]:
    """scikit-learn's `char_wb` analyser: n-grams inside each word padded with spaces, a word
    shorter than n counted once."""
    low, high = CHAR_NGRAMS
    found: list[str] = []
    for word in text.split():
        padded = f" {word} "
        length = len(padded)
        for n in range(low, high + 1):
            offset = 0
            found.append(padded[offset : offset + n])
            while offset + n < length:
                offset += 1
                found.append(padded[offset : offset + n])
            if offset == 0:
                break
    return found


@dataclass
class IntentModel:
    """What training learned, ready to predict."""

    labels: list[str]
    word_vocabulary: dict[str, int]
    char_vocabulary: dict[str, int]
    word_idf: np.ndarray
    char_idf: np.ndarray
    weights: np.ndarray  # (features, labels): words first, then characters
    bias: np.ndarray  # (labels,)
    temperature: float = DEFAULT_TEMPERATURE
    info: dict = field(default_factory=dict)

    def _block(self, features: list[str], vocabulary: dict[str, int], idf: np.ndarray, base: int):
        counts = Counter(vocabulary[f] for f in features if f in vocabulary)
        if not counts:
            return [], []
        index = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))
        values = tf * idf[index]
        values /= np.linalg.norm(values)
        return list(index + base), list(values)

    def scores(self, text: str) -> np.ndarray:
        normalised = _normalise(text)
        w_index, w_values = self._block(
            word_features(normalised), self.word_vocabulary, self.word_idf, 0
        )
        c_index, c_values = self._block(
            char_features(normalised), self.char_vocabulary, self.char_idf, len(self.word_idf)
        )
        index = w_index + c_index
        if not index:
            return self.bias.astype(np.float32)
        values = np.asarray(w_values + c_values, dtype=np.float32)
        return values @ self.weights[np.asarray(index, dtype=np.intp)] + self.bias

    def predict(self, text: str) -> tuple[str, float]:
        """The most likely intent and its confidence in [0, 1]."""
        scores = self.scores(text).astype(np.float64) * self.temperature
        best = int(scores.argmax())
        exp = np.exp(scores - scores[best])
        return self.labels[best], float(1.0 / exp.sum())

    # Storage: one compressed .npz, arrays and JSON only (loaded with allow_pickle=False).
    def dumps(self) -> bytes:
        meta = {
            "labels": self.labels,
            "temperature": self.temperature,
            "info": self.info,
            "word_terms": _terms_in_order(self.word_vocabulary),
            "char_terms": _terms_in_order(self.char_vocabulary),
        }
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8),
            word_idf=self.word_idf.astype(np.float32),
            char_idf=self.char_idf.astype(np.float32),
            weights=self.weights.astype(np.float16),
            bias=self.bias.astype(np.float32),
        )
        return buffer.getvalue()

    @classmethod
    def loads(cls, data: bytes) -> IntentModel:
        with np.load(io.BytesIO(bytes(data)), allow_pickle=False) as arrays:
            meta = json.loads(arrays["meta"].tobytes().decode())
            return cls(
                labels=meta["labels"],
                word_vocabulary={t: i for i, t in enumerate(meta["word_terms"])},
                char_vocabulary={t: i for i, t in enumerate(meta["char_terms"])},
                word_idf=arrays["word_idf"],
                char_idf=arrays["char_idf"],
                weights=arrays["weights"].astype(np.float32),
                bias=arrays["bias"],
                temperature=float(meta["temperature"]),
                info=meta.get("info", {}),
            )


def _terms_in_order(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, index in vocabulary.items():
        terms[index] = term
    return terms


@dataclass(frozen=True)
class Evaluation:
    accuracy: float
    macro_f1: float
    size: int


def evaluate(model: IntentModel, examples: Sequence[tuple[str, str]]) -> Evaluation:
    """Accuracy and macro-F1 (over the labels that occur in `examples` or were predicted)."""
    if not examples:
        return Evaluation(0.0, 0.0, 0)
    true_positive: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    for text, label in examples:
        guess, _confidence = model.predict(text)
        predicted[guess] += 1
        actual[label] += 1
        true_positive[guess] += guess == label
    f1s = []
    for label in set(actual) | set(predicted):
        tp = true_positive[label]
        precision = tp / predicted[label] if predicted[label] else 0.0
        recall = tp / actual[label] if actual[label] else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return Evaluation(
        accuracy=sum(true_positive.values()) / len(examples),
        macro_f1=sum(f1s) / len(f1s),
        size=len(examples),
    )


def split_holdout(
    examples: Sequence[tuple[str, str]], *, share: float = 0.2, seed: int = 7
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """A stratified split: `share` of each intent held out (none of an intent with < 5)."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for text, label in examples:
        by_label[label].append((text, label))
    rng = random.Random(seed)  # noqa: S311 - a reproducible split, not a secret
    train: list[tuple[str, str]] = []
    held: list[tuple[str, str]] = []
    for label in sorted(by_label):
        items = by_label[label]
        rng.shuffle(items)
        cut = math.floor(len(items) * share) if len(items) >= 5 else 0
        held.extend(items[:cut])
        train.extend(items[cut:])
    return train, held


def _fit_temperature(model: IntentModel, held: Sequence[tuple[str, str]]) -> float:
    """The softmax temperature that makes the held-out confidences most honest (lowest
    negative log-likelihood), from a coarse grid."""
    if len(held) < 10:
        return DEFAULT_TEMPERATURE
    index = {label: i for i, label in enumerate(model.labels)}
    rows = [(model.scores(text).astype(np.float64), index.get(label)) for text, label in held]
    rows = [(s, i) for s, i in rows if i is not None]
    best, best_loss = DEFAULT_TEMPERATURE, math.inf
    for temperature in (0.5, 1, 1.5, 2, 3, 4, 5, 6, 8, 10, 12, 15):
        loss = 0.0
        for scores, i in rows:
            scaled = scores * temperature
            top = scaled.max()
            loss -= scaled[i] - top - math.log(np.exp(scaled - top).sum())
        if loss < best_loss:
            best, best_loss = float(temperature), loss
    return best


def train(examples: Sequence[tuple[str, str]], *, holdout: float = 0.2) -> IntentModel:
    """Train on `examples` ((text, intent) pairs), keeping `holdout` of each intent aside to
    measure accuracy and fit the confidence; then refit on everything. `info` tells how it went.
    Needs at least two intents."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    started = time.perf_counter()
    labels = sorted({label for _text, label in examples})
    if len(labels) < 2:
        raise ValueError("at least two intents are needed")

    def fit(pairs: Sequence[tuple[str, str]]) -> IntentModel:
        texts = [_normalise(text) for text, _label in pairs]
        words = TfidfVectorizer(
            analyzer=word_features, sublinear_tf=True, lowercase=False, dtype=np.float32
        )
        chars = TfidfVectorizer(
            analyzer=char_features,
            sublinear_tf=True,
            lowercase=False,
            min_df=2 if len(texts) >= 200 else 1,
            dtype=np.float32,
        )
        from scipy.sparse import hstack

        matrix = hstack([words.fit_transform(texts), chars.fit_transform(texts)]).tocsr()
        svm = LinearSVC(C=SVM_C)
        svm.fit(matrix, [label for _text, label in pairs])
        fitted = [str(label) for label in svm.classes_]
        coef = svm.coef_.T.astype(np.float32)
        bias = svm.intercept_.astype(np.float32)
        if len(fitted) == 2:  # a binary SVM has one column: the score of the second class
            coef = np.hstack([-coef, coef]) / 2
            bias = np.concatenate([-bias, bias]) / 2
        return IntentModel(
            labels=fitted,
            word_vocabulary={t: int(i) for t, i in words.vocabulary_.items()},
            char_vocabulary={t: int(i) for t, i in chars.vocabulary_.items()},
            word_idf=words.idf_.astype(np.float32),
            char_idf=chars.idf_.astype(np.float32),
            weights=coef,
            bias=bias,
        )

    train_part, held = split_holdout(examples, share=holdout) if holdout else (examples, [])
    info: dict = {"examples": len(examples), "intents": len(labels)}
    temperature = DEFAULT_TEMPERATURE
    if held and len({label for _t, label in train_part}) >= 2:
        partial = fit(train_part)
        measured = evaluate(partial, held)
        temperature = _fit_temperature(partial, held)
        info.update(
            holdout_accuracy=round(measured.accuracy, 4),
            holdout_macro_f1=round(measured.macro_f1, 4),
            holdout_size=measured.size,
        )
    model = fit(examples)
    model.temperature = temperature
    info["train_seconds"] = round(time.perf_counter() - started, 3)
    model.info = info
    return model
