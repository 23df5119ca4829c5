"""The grouping itself (numpy, no database): k-means into small groups, then Ward joins that
stop where themes would get loose, so the number of themes follows the data."""

import numpy as np
import pytest

from carefront.feedback.grouping import clustering
from carefront.feedback.grouping.vectors import DenseRows


def blobs(sizes: list[int], *, spread: float, dim: int = 64, seed: int = 3):
    """Groups of unit vectors around random (nearly orthogonal) centres; returns rows and the
    true group of each row."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dim))
    rows, truth = [], []
    for label, size in enumerate(sizes):
        points = centres[label] / np.linalg.norm(centres[label]) + spread * rng.normal(
            size=(size, dim)
        ) / np.sqrt(dim)
        rows.append(points)
        truth += [label] * size
    matrix = np.vstack(rows)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    order = rng.permutation(len(truth))
    return DenseRows(matrix[order]), np.array(truth)[order]


def as_partition(labels) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


def test_the_number_of_themes_comes_from_the_data():
    """Five tight groups of very different sizes: five themes, each exactly one group, with no
    number given (k-means first cuts them into many more small groups)."""
    rows, truth = blobs([400, 150, 60, 30, 12], spread=0.3)
    found = clustering.group(rows, cohesion=0.8, alike=0.4)
    assert clustering.micro_count(rows.n) > 5
    assert len(found.sizes) == 5
    assert as_partition(found.labels) == as_partition(truth)
    assert sorted(found.sizes.tolist()) == [12, 30, 60, 150, 400]


def tightness(members: np.ndarray) -> float:
    """The average cosine of unit vectors to their normalised mean: |sum| / n."""
    return float(np.linalg.norm(members.sum(0)) / len(members))


def test_joins_keep_themes_as_tight_as_asked():
    """Loose data and a strict cohesion: many themes, each at least that tight (unless it is
    one of k-means' small groups, left as it came); a lax one joins more."""
    rows, truth = blobs([300, 300], spread=1.0)
    micro = clustering.kmeans(rows, clustering.micro_count(rows.n))
    strict = clustering.ward_join(rows, micro, cohesion=0.74)
    lax = clustering.ward_join(rows, micro, cohesion=0.6)
    assert 2 < len(strict.sizes) < len(micro.sizes)
    assert as_partition(lax.labels) == as_partition(truth)
    for theme in range(len(strict.sizes)):
        members = np.flatnonzero(strict.labels == theme)
        if len(set(micro.labels[members].tolist())) > 1:
            assert tightness(rows.matrix[members]) >= 0.74 - 1e-5


def test_a_small_theme_of_its_own_is_not_swallowed():
    """Joining 12 unrelated comments into 400 barely loosens the large theme: the groups must
    also be alike to join."""
    rows, truth = blobs([400, 12], spread=0.3)
    assert len(clustering.group(rows, cohesion=0.8, alike=-1.0).sizes) == 1
    found = clustering.group(rows, cohesion=0.8, alike=0.4)
    assert as_partition(found.labels) == as_partition(truth)


def test_a_given_k_is_the_number_of_themes():
    rows, _truth = blobs([100, 80, 60, 40], spread=0.3)
    for k in (2, 3, 4, 7):
        found = clustering.group(rows, cohesion=0.8, k=k)
        assert len(found.sizes) == k
        assert found.sizes.sum() == rows.n
        assert set(found.labels.tolist()) == set(range(k))


def test_the_grouping_is_deterministic():
    rows, _truth = blobs([120, 90, 30], spread=0.8)
    first = clustering.group(rows, cohesion=0.6)
    again = clustering.group(rows, cohesion=0.6)
    assert np.array_equal(first.labels, again.labels)


@pytest.mark.parametrize("k", [1, 3, 10])
def test_sums_by_label(k):
    rng = np.random.default_rng(1)
    matrix = rng.normal(size=(50, 8)).astype(np.float32)
    labels = rng.integers(0, k, 50)
    expected = np.zeros((k, 8))
    for row, label in zip(matrix, labels, strict=True):
        expected[label] += row
    assert np.allclose(DenseRows(matrix).sum_by(labels, k), expected, atol=1e-4)


def test_nothing_to_group():
    found = clustering.group(DenseRows(np.zeros((0, 4))), cohesion=0.8)
    assert len(found.sizes) == 0


def test_sparse_rows_dot_and_sums_equal_the_dense_ones():
    from carefront.feedback.grouping.vectors import SparseRows

    rng = np.random.default_rng(2)
    dense = rng.random((40, 12)).astype(np.float32)
    dense[dense < 0.7] = 0
    dense[[3, 4, 17]] = 0  # rows without a known word
    indptr = np.concatenate([[0], np.cumsum((dense > 0).sum(1))])
    indices = np.nonzero(dense)[1]
    sparse = SparseRows(indptr, indices, dense[dense > 0], 12)
    centroids = rng.random((5, 12)).astype(np.float32)
    assert np.allclose(sparse.dot(centroids), dense @ centroids.T, atol=1e-5)
    labels = rng.integers(0, 4, 40)
    assert np.allclose(sparse.sum_by(labels, 4), DenseRows(dense).sum_by(labels, 4), atol=1e-5)
    part = sparse.take(np.array([0, 3, 5]))
    assert np.allclose(part.dot(centroids), dense[[0, 3, 5]] @ centroids.T, atol=1e-5)


def test_the_bulk_model_gives_the_same_vectors():
    from carefront.feedback.grouping.vectors import embeddings_available, minilm, minilm_bulk

    if not embeddings_available():
        pytest.skip("the embeddings extra is not installed")
    texts = ["My card has not arrived yet", "How do I reset my password?", "Great help, thanks"]
    single, bulk = minilm().encode(texts), minilm_bulk().encode(texts)
    assert np.allclose(single, bulk, atol=1e-4)
    # Meaning, not words: the card that did not come is closer to a late card than to a reset.
    late = minilm().encode(["Still waiting for the card you sent"])[0]
    assert late @ single[0] > late @ single[1]
