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


def bulk_articles(agent, items: list[tuple[str, str]], *, embed: bool) -> list[int]:
    """Many published articles at once (rows as the services write them: index terms,
    revision 1, its vector), for the latency run; `publish_articles` goes through the services
    one by one, which costs minutes at 5,000."""
    from django.utils import timezone

    from carefront.knowledge.models import Article, ArticleRevision, Category
    from carefront.knowledge.rendering import markdown_to_text
    from carefront.knowledge.search import search_generation_bump
    from carefront.knowledge.text import index_text

    categories = Category.objects.bulk_create(
        [Category(name=f"Topic {n}", slug=f"topic-{n}", position=n) for n in range(12)]
    )
    now = timezone.now()
    articles = [
        Article(
            title=title,
            slug=Article.slug_for(title),
            body=body,
            language="en",
            status="published",
            visibility="public",
            category=categories[n % len(categories)],
            revision=1,
            author=agent,
            published_at=now,
            view_count=n % 97,
            search_title=index_text(title),
            search_body=index_text(markdown_to_text(body)),
        )
        for n, (title, body) in enumerate(items)
    ]
    Article.objects.bulk_create(articles, batch_size=500)
    revisions = [
        ArticleRevision(article=a, number=1, title=a.title, body=a.body, author=agent)
        for a in articles
    ]
    if embed:
        from carefront.feedback.grouping.vectors import MINILM_SPACE, minilm

        vectors = minilm().encode(
            [f"{r.title}. {markdown_to_text(r.body)}"[:2000] for r in revisions]
        )
        for revision, vector in zip(revisions, vectors, strict=True):
            revision.embedding = vector.astype("float32").tobytes()
            revision.embedding_space = MINILM_SPACE
    ArticleRevision.objects.bulk_create(revisions, batch_size=500)
    search_generation_bump()
    return [a.pk for a in articles]


def latency(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    setup(workdir / "db.sqlite3")
    from django.conf import settings
    from django.test import Client

    from carefront.feedback.grouping.vectors import embeddings_available
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
    ids = bulk_articles(agent, items, embed=embeddings_available())
    build_s = time.perf_counter() - started
    result = {"articles": len(ids), "build_s": round(build_s, 1)}
    for label, enabled in (("text", False), ("semantic", True)):
        if enabled and not embeddings_available():
            continue
        settings.CAREFRONT_KB_SEMANTIC = enabled
        search.semantic_enabled.cache_clear()
        for q in questions[:20]:
            article_suggestions(q)  # warm-up: model, vectors, vocabulary
        samples, cpu = [], []
        for q in questions:
            t, c = time.perf_counter(), time.process_time()
            article_suggestions(q)
            samples.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
        p50, p95 = _percentiles(samples)
        result[f"suggest_{label}_p50_ms"], result[f"suggest_{label}_p95_ms"] = p50, p95
        result[f"suggest_{label}_cpu_p95_ms"] = _percentiles(cpu)[1]
    settings.CAREFRONT_KB_SEMANTIC = True
    search.semantic_enabled.cache_clear()
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
        samples, cpu = [], []
        for i in range(args.page_requests):
            url = urls[i % len(urls)]
            t, c = time.perf_counter(), time.process_time()
            response = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code}")
        result[f"page_{name}_p50_ms"], result[f"page_{name}_p95_ms"] = _percentiles(samples)
        result[f"page_{name}_cpu_p95_ms"] = _percentiles(cpu)[1]
    result["load_average"] = round(os.getloadavg()[0], 1)
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
