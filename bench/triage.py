"""Triage benchmark: the intent classifier on banking77 and bitext, language detection on a
labelled multilingual sample, and the MiniLM embeddings as an alternative when installed.

    .venv/bin/python bench/triage.py [--corpora ../shared/corpora] [--no-embeddings]

Prints one JSON object (the last line of stdout). Run by bench/run.py; see bench/README.md.

Splits: banking77's own test.csv when the corpus folder has it; the copy in shared/corpora has
only train.csv, so then 20 % of each intent of train.csv is held out (seeded, stratified) and
the row says so. Bitext has no split: 20 % of each intent of the 20k-utterance file is held out.
"""

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_CORPORA = Path(os.environ.get("CAREFRONT_CORPORA", ROOT.parent / "shared" / "corpora"))

# Very short messages (one to four words), where n-gram detectors guess: written for this
# benchmark, like carefront/automation/triage/samples.py.
SHORT_SAMPLE = (
    ("de", "Danke!"),
    ("fr", "Merci"),
    ("es", "Gracias"),
    ("en", "Thanks a lot"),
    ("de", "Hilfe, dringend!"),
    ("en", "Help!!!"),
    ("en", "Not good at all"),
    ("de", "Hat leider nicht geklappt"),
    ("nl", "Dank je wel"),
    ("it", "Grazie mille"),
    ("en", "refund pls"),
    ("en", "where is my order"),
    ("de", "wo ist meine bestellung"),
    ("fr", "où est ma commande"),
    ("es", "dónde está mi pedido"),
    ("pt", "cadê meu pedido"),
)


def _read(path: Path, text: str, label: str) -> list[tuple[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [(row[text], row[label]) for row in csv.DictReader(handle)]


def intent_figures(
    name: str, train_rows, test_rows, split: str, *, embeddings: bool
) -> dict[str, object]:
    from carefront.automation.triage.intent import IntentModel, evaluate, train

    started = time.perf_counter()
    model = train(train_rows, holdout=0)
    train_s = time.perf_counter() - started
    model = IntentModel.loads(model.dumps())  # as stored: float16 weights
    result = evaluate(model, test_rows)
    cpu = time.process_time()
    for text, _label in test_rows:
        model.predict(text)
    cpu_ms = (time.process_time() - cpu) / len(test_rows) * 1000
    from carefront.automation.triage.analysis import triage_text

    cpu = time.process_time()
    for text, _label in test_rows:
        triage_text(text, model=model)
    triage_ms = (time.process_time() - cpu) / len(test_rows) * 1000
    figures: dict[str, object] = {
        f"{name}_triage_cpu_ms": round(triage_ms, 3),
        f"{name}_split": split,
        f"{name}_train": len(train_rows),
        f"{name}_test": len(test_rows),
        f"{name}_intents": len(model.labels),
        f"{name}_accuracy": round(result.accuracy, 4),
        f"{name}_macro_f1": round(result.macro_f1, 4),
        f"{name}_train_s": round(train_s, 1),
        f"{name}_predict_cpu_ms": round(cpu_ms, 3),
        f"{name}_model_mb": round(len(model.dumps()) / 1e6, 2),
    }
    if embeddings:
        figures.update(embedding_figures(name, train_rows, test_rows))
    return figures


def embedding_figures(name: str, train_rows, test_rows) -> dict[str, object]:
    """MiniLM sentence vectors (the `embeddings` extra) with a linear SVM: accuracy and the
    CPU per message including the embedding model."""
    from carefront.feedback.grouping.vectors import embeddings_available, minilm

    if not embeddings_available():
        return {f"{name}_minilm": "not installed"}
    from sklearn.svm import LinearSVC

    space = minilm()
    started = time.perf_counter()
    train_vectors = space.encode([t for t, _ in train_rows])
    svm = LinearSVC(C=1.0).fit(train_vectors, [label for _, label in train_rows])
    train_s = time.perf_counter() - started
    cpu = time.process_time()
    test_vectors = space.encode([t for t, _ in test_rows])
    predicted = svm.predict(test_vectors)
    cpu_ms = (time.process_time() - cpu) / len(test_rows) * 1000
    right = sum(p == label for p, (_t, label) in zip(predicted, test_rows, strict=True))
    return {
        f"{name}_minilm_accuracy": round(right / len(test_rows), 4),
        f"{name}_minilm_train_s": round(train_s, 1),
        f"{name}_minilm_cpu_ms": round(cpu_ms, 2),
    }


def language_figures() -> dict[str, object]:
    from carefront.automation.triage.language import _identifier, detect
    from carefront.automation.triage.samples import LANGUAGE_SAMPLE
    from carefront.nlp.language import detect_language

    detectors = {
        "combined": lambda text: detect(text).language,
        "py3langid": lambda text: _identifier().classify(text)[0],
        "lexicon": detect_language,
    }
    figures: dict[str, object] = {
        "language_sample": len(LANGUAGE_SAMPLE),
        "language_short": len(SHORT_SAMPLE),
        "language_languages": len({lang for lang, _ in LANGUAGE_SAMPLE}),
    }
    for name, detector in detectors.items():
        detector("warm up")
        for sample_name, sample in (("sample", LANGUAGE_SAMPLE), ("short", SHORT_SAMPLE)):
            cpu = time.process_time()
            right = sum(detector(text) == lang for lang, text in sample)
            figures[f"language_{name}_{sample_name}_pct"] = round(100 * right / len(sample), 1)
            if sample_name == "sample":
                figures[f"language_{name}_ms"] = round(
                    (time.process_time() - cpu) / len(sample) * 1000, 3
                )
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--no-embeddings", action="store_true")
    args = parser.parse_args()
    from carefront.automation.triage.intent import split_holdout

    figures: dict[str, object] = {}
    banking = args.corpora / "banking77"
    if (banking / "train.csv").exists():
        rows = _read(banking / "train.csv", "text", "category")
        if (banking / "test.csv").exists():
            train_rows, test_rows = rows, _read(banking / "test.csv", "text", "category")
            split = "official test.csv"
        else:
            train_rows, test_rows = split_holdout(rows, share=0.2, seed=77)
            split = "20 % of train.csv held out (no test.csv in the corpus)"
        figures.update(
            intent_figures(
                "banking77", train_rows, test_rows, split, embeddings=not args.no_embeddings
            )
        )
    else:
        figures["banking77"] = "corpus not found"
    bitext = (
        args.corpora
        / "bitext-customer-support-samples"
        / "20k-utterances"
        / "TrainingdatasetBitextsample.csv"
    )
    if bitext.exists():
        rows = _read(bitext, "utterance", "intent")
        train_rows, test_rows = split_holdout(rows, share=0.2, seed=77)
        figures.update(
            intent_figures(
                "bitext",
                train_rows,
                test_rows,
                "20 % of each intent held out",
                embeddings=False,
            )
        )
    else:
        figures["bitext"] = "corpus not found"
    figures.update(language_figures())
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
