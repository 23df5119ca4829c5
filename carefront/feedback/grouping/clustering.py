"""Spherical k-means (cosine) with k-means++ seeding, in numpy, deterministic for a given input
order and seed; then close themes are joined (average linkage on the centroids).

Why this and not a library: scikit-learn's KMeans would do the first half, but it brings scipy
and scikit-learn (well over 100 MB) for about sixty lines, and its hierarchical clustering
needs the n x n distance matrix (400 MB at 10,000 comments). k-means costs n x k per round,
and the joining step works on k centroids only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .vectors import Rows

CHUNK = 8192


@dataclass
class Clusters:
    labels: np.ndarray  # (n,) int, 0..k-1
    centroids: np.ndarray  # (k, dim) unit vectors
    sizes: np.ndarray  # (k,)


def default_theme_count(n: int) -> int:
    """How many themes k-means starts from: about one per 50 comments, between 2 and 200
    (a lead reads a list of themes, not a thousand); joining close ones then lowers it."""
    return int(min(200, max(2, round(n / 50))))


def _best(rows: Rows, centroids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centroid and its cosine for every row, a chunk of rows at a time."""
    labels = np.empty(rows.n, dtype=np.int64)
    scores = np.empty(rows.n, dtype=np.float32)
    for start in range(0, rows.n, CHUNK):
        index = np.arange(start, min(start + CHUNK, rows.n))
        sims = rows.take(index).dot(centroids) if rows.n > CHUNK else rows.dot(centroids)
        labels[index] = sims.argmax(1)
        scores[index] = sims[np.arange(len(index)), labels[index]]
    return labels, scores


def _normalise(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.clip(norms, 1e-12, None)).astype(np.float32)


def _unit(rows: Rows, i: int) -> np.ndarray:
    return _normalise(rows.take(np.array([i])).sum_by(np.array([0]), 1))[0]


def _seed(rows: Rows, k: int, rng: np.random.Generator) -> np.ndarray:
    """k-means++: each next centre drawn with probability ∝ its squared distance to the
    nearest centre so far, so that the starting centres are spread over the comments."""
    first = int(rng.integers(rows.n))
    centres = [_unit(rows, first)]
    nearest = rows.dot(centres[0][None, :])[:, 0]
    for _ in range(1, k):
        distance = np.clip(1.0 - nearest, 0.0, None).astype(np.float64) ** 2
        total = distance.sum()
        if total <= 0:
            break  # fewer distinct comments than k
        pick = int(rng.choice(rows.n, p=distance / total))
        centre = _unit(rows, pick)
        centres.append(centre)
        nearest = np.maximum(nearest, rows.dot(centre[None, :])[:, 0])
    return np.vstack(centres)


def restarts(n: int, k: int) -> int:
    """How many seedings to try (the best is kept): many for small sets, where one unlucky
    seeding shows, one for large ones, where it averages out and time counts."""
    return int(max(1, min(10, 500_000 // max(n * k, 1))))


def kmeans(rows: Rows, k: int, *, seed: int = 0, rounds: int = 40) -> Clusters:
    """The best (highest total cosine to the centres) of `restarts` runs of k-means."""
    rng = np.random.default_rng(seed)
    best: tuple[float, Clusters] | None = None
    for _ in range(restarts(rows.n, k)):
        clusters, fit = _kmeans_once(rows, k, rng=rng, rounds=rounds)
        if best is None or fit > best[0] + 1e-6:
            best = (fit, clusters)
    assert best is not None  # noqa: S101 (at least one run)
    return best[1]


def _kmeans_once(
    rows: Rows, k: int, *, rng: np.random.Generator, rounds: int
) -> tuple[Clusters, float]:
    k = max(1, min(k, rows.n))
    centroids = _seed(rows, k, rng)
    k = len(centroids)
    labels = np.full(rows.n, -1)
    for _ in range(rounds):
        new_labels, scores = _best(rows, centroids)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
        sums = rows.sum_by(labels, k)
        sizes = np.bincount(labels, minlength=k)
        empty = np.flatnonzero(sizes == 0)
        if len(empty):
            # An emptied centre restarts on the comments that fit their theme worst.
            worst = np.argsort(scores, kind="stable")[: len(empty)]
            for cluster, row in zip(empty, worst, strict=False):
                sums[cluster] = rows.take(np.array([row])).sum_by(np.array([0]), 1)[0]
        centroids = _normalise(sums)
    labels, scores = _best(rows, centroids)
    sizes = np.bincount(labels, minlength=k)
    return Clusters(labels=labels, centroids=centroids, sizes=sizes), float(scores.sum())


def join_close(rows: Rows, clusters: Clusters, *, threshold: float) -> Clusters:
    """Join the two themes whose centroids are closest (cosine ≥ `threshold`) until no such
    pair is left: k-means splits a big theme evenly rather than leaving it whole."""
    sums = rows.sum_by(clusters.labels, len(clusters.sizes))
    sizes = clusters.sizes.astype(np.int64).copy()
    alive = sizes > 0
    parent = np.arange(len(sizes))
    centroids = _normalise(sums)
    sims = centroids @ centroids.T
    np.fill_diagonal(sims, -np.inf)
    sims[~alive, :] = -np.inf
    sims[:, ~alive] = -np.inf
    while True:
        flat = int(np.argmax(sims))
        a, b = divmod(flat, len(sizes))
        if sims[a, b] < threshold:
            break
        keep, gone = (a, b) if (sizes[a], -a) >= (sizes[b], -b) else (b, a)
        sums[keep] += sums[gone]
        sizes[keep] += sizes[gone]
        sizes[gone] = 0
        parent[parent == gone] = keep
        centroids[keep] = _normalise(sums[keep][None, :])[0]
        sims[gone, :] = -np.inf
        sims[:, gone] = -np.inf
        row = centroids @ centroids[keep]
        row[sizes == 0] = -np.inf
        row[keep] = -np.inf
        sims[keep, :] = row
        sims[:, keep] = row
    survivors = np.flatnonzero(sizes > 0)
    renumber = np.full(len(sizes), -1)
    renumber[survivors] = np.arange(len(survivors))
    labels = renumber[parent[clusters.labels]]
    return Clusters(
        labels=labels, centroids=_normalise(sums[survivors]), sizes=sizes[survivors].copy()
    )


def group(rows: Rows, *, k: int | None = None, join_threshold: float, seed: int = 0) -> Clusters:
    """Themes for `rows`: k-means with `k` (default: `default_theme_count`), then joined."""
    if rows.n == 0:
        return Clusters(np.zeros(0, dtype=np.int64), np.zeros((0, rows.dim)), np.zeros(0))
    clusters = kmeans(rows, k or default_theme_count(rows.n), seed=seed)
    return join_close(rows, clusters, threshold=join_threshold)


def split_in_two(rows: Rows, *, seed: int = 0) -> Clusters:
    """Two themes from one (a lead's "split")."""
    return kmeans(rows, 2, seed=seed)
