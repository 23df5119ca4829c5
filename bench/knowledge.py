"""Knowledge-base suggestions and help-centre pages (issue 12).

    .venv/bin/python bench/knowledge.py quality --corpus banking77|bitext [--train 30]
                                                [--questions 10]
    .venv/bin/python bench/knowledge.py latency [--articles 5000] [--queries 300]

`quality`: a fresh SQLite database; one article per intent, written from a training split of
its utterances (title from the intent's name, body the training questions as an FAQ), published
through the real services, vectors computed per revision; then questions from a held-out
split (never in any article) through `article_search`, full text alone and with semantic
similarity: top-1 and top-3 accuracy (the intent's article first / in the first three).

`latency`: 5,000 published articles (bodies from both corpora, vectors stored), then
`article_suggestions` for held-out questions, p50 / p95 per call (in-process, after a warm-up),
with and without semantic similarity; and the help-centre pages (home, an article, a search)
through Django's test client, p50 / p95 per request (in-process: no network, no server).
Each subcommand prints one JSON object last.
"""

import argparse
import csv
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPORA = Path(os.environ.get("CAREFRONT_CORPORA", ROOT.parent / "shared" / "corpora"))
if not CORPORA.exists():
    CORPORA = Path("/work/shared/corpora")


def load(name: str) -> list[tuple[str, str]]:
    if name == "banking77":
        with open(CORPORA / "banking77" / "train.csv", encoding="utf-8") as f:
            return [(r["text"], r["category"]) for r in csv.DictReader(f)]
    path = CORPORA / "bitext-customer-support-samples" / "20k-utterances"
    with open(path / "TrainingdatasetBitextsample.csv", encoding="utf-8-sig") as f:
        return [(r["utterance"], r["intent"]) for r in csv.DictReader(f)]


def split(rows, *, train: int, questions: int, seed: int = 7):
    by_intent: dict[str, list[str]] = defaultdict(list)
    for text, intent in rows:
        by_intent[intent].append(text)
    rng = random.Random(seed)
    training, held_out = {}, []
    for intent, texts in sorted(by_intent.items()):
        rng.shuffle(texts)
        training[intent] = texts[:train]
        held_out += [(q, intent) for q in texts[train : train + questions]]
    return training, held_out


def setup(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ["CAREFRONT_DATABASE_URL"] = f"sqlite:///{database}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _agent():
    from carefront.accounts.models import Agent, Role

    return Agent.objects.create_user(email="kb-bench@carefront.test", role=Role.AGENT)


def article_text(intent: str, questions: list[str]) -> tuple[str, str]:
    title = intent.replace("_", " ").strip().capitalize()
    body = f"This article answers questions about {title.lower()}.\n\n" + "\n".join(
        f"- {q.strip()}" for q in questions
    )
    return title, body


def publish_articles(agent, items: list[tuple[str, str]], *, embed: bool) -> list[int]:
    from carefront.knowledge.models import Article, ArticleRevision
    from carefront.knowledge.services import (
        article_create,
        article_revision_embed,
        article_status_set,
    )

    ids = []
    for title, body in items:
        article = article_create(actor=agent, title=title, body=body)
        article_status_set(actor=agent, article=article, status="published")
        ids.append(article.pk)
    if embed:
        from carefront.feedback.grouping.vectors import MINILM_SPACE, minilm
        from carefront.knowledge.rendering import markdown_to_text

        revisions = list(ArticleRevision.objects.filter(article_id__in=ids, embedding_space=""))
        texts = [f"{r.title}. {r.summary} {markdown_to_text(r.body)}"[:2000] for r in revisions]
        vectors = minilm().encode(texts)
        for revision, vector in zip(revisions, vectors, strict=True):
            revision.embedding = vector.astype("float32").tobytes()
            revision.embedding_space = MINILM_SPACE
        ArticleRevision.objects.bulk_update(revisions, ["embedding", "embedding_space"], 500)
        _ = article_revision_embed  # the service does the same one revision at a time
    from carefront.knowledge.search import search_generation_bump

    search_generation_bump()
    return ids if Article.objects.exists() else []


def quality(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    setup(workdir / "db.sqlite3")
    from carefront.knowledge import search

    training, held_out = split(load(args.corpus), train=args.train, questions=args.questions)
    agent = _agent()
    intents = sorted(training)
    ids = publish_articles(
        agent, [article_text(i, training[i]) for i in intents], embed=search.semantic_enabled()
    )
    article_of = dict(zip(intents, ids, strict=True))
    result = {"corpus": args.corpus, "intents": len(intents), "questions": len(held_out)}
    for label, semantic in (("text", False), ("semantic", True)):
        if semantic and not search.semantic_enabled():
            continue
        top1 = top3 = 0
        for question, intent in held_out:
            hits = [
                h.article_id for h in search.article_search(question, semantic=semantic, limit=3)
            ]
            top1 += bool(hits) and hits[0] == article_of[intent]
            top3 += article_of[intent] in hits
        result[f"{label}_top1"] = round(top1 / len(held_out), 3)
        result[f"{label}_top3"] = round(top3 / len(held_out), 3)
    return result


def _percentiles(samples: list[float]) -> tuple[float, float]:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return round(statistics.median(samples), 2), round(p95, 2)


def latency(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    setup(workdir / "db.sqlite3")
    from django.test import Client

    from carefront.knowledge import search
    from carefront.knowledge.suggestions import article_suggestions

    rows = load("banking77") + load("bitext")
    random.Random(3).shuffle(rows)
    questions = [text for text, _ in rows[: args.queries]]
    pool = [text for text, _ in rows[args.queries :]]
    agent = _agent()
    rng = random.Random(5)
    items = []
    for n in range(args.articles):
        picked = rng.sample(pool, 8)
        items.append((picked[0][:150] + f" ({n})", "\n\n".join(picked[1:])))
    started = time.perf_counter()
    ids = publish_articles(agent, items, embed=search.semantic_enabled())
    build_s = time.perf_counter() - started
    result = {"articles": len(ids), "build_s": round(build_s, 1)}
    for label, enabled in (("text", False), ("semantic", True)):
        if enabled and not search.semantic_enabled():
            continue
        from django.conf import settings

        settings.CAREFRONT_KB_SEMANTIC = enabled
        search.semantic_enabled.cache_clear()
        for q in questions[:20]:
            article_suggestions(q)  # warm-up: model, vectors, vocabulary
        samples = []
        for q in questions:
            t = time.perf_counter()
            article_suggestions(q)
            samples.append((time.perf_counter() - t) * 1000)
        result[f"suggest_{label}_p50_ms"], result[f"suggest_{label}_p95_ms"] = _percentiles(samples)
    from carefront.knowledge.models import Article

    client = Client()
    articles = list(Article.objects.order_by("?")[:50])
    pages = {
        "home": ["/help/"],
        "article": [a.get_absolute_url() for a in articles],
        "search": [f"/help/search/?q={q[:60]}" for q in questions[:50]],
    }
    for name, urls in pages.items():
        for url in urls[:5]:
            client.get(url)
        samples = []
        for i in range(args.page_requests):
            url = urls[i % len(urls)]
            t = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        result[f"page_{name}_p50_ms"], result[f"page_{name}_p95_ms"] = _percentiles(samples)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--corpus", choices=["banking77", "bitext"], default="banking77")
    q.add_argument("--train", type=int, default=30)
    q.add_argument("--questions", type=int, default=10)
    lat = sub.add_parser("latency")
    lat.add_argument("--articles", type=int, default=5000)
    lat.add_argument("--queries", type=int, default=300)
    lat.add_argument("--page-requests", type=int, default=200)
    args = parser.parse_args()
    result = quality(args) if args.command == "quality" else latency(args)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
