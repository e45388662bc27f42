"""Generated benchmark data (nothing is downloaded).

All generators are deterministic given their seed and cached per process.
"""

from functools import cache

import numpy as np
from sklearn.datasets import load_digits, make_classification
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import StandardScaler


@cache
def dense_classification(n_samples=50_000, n_features=100, n_classes=2, seed=0):
    """Standardised ``make_classification`` data, float64, C-contiguous."""
    X, y = make_classification(
        n_samples=n_samples,
        n_features=n_features,
        n_informative=min(n_features, 50),
        n_redundant=0,
        n_classes=n_classes,
        n_clusters_per_class=1 if n_classes > 2 else 2,
        class_sep=1.0,
        random_state=seed,
    )
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


@cache
def digits():
    """``load_digits`` (bundled with scikit-learn), standardised."""
    X, y = load_digits(return_X_y=True)
    return np.ascontiguousarray(StandardScaler().fit_transform(X)), y


@cache
def text_stream(
    n_chunks=20, chunk_size=1_000, n_classes=4, n_features=2**18, seed=0, doc_len=36
):
    """A stream of hashed bag-of-words chunks ``[(X_csr, y), ...]``.

    Pseudo-words are drawn from a Zipf-like distribution over a 200,000-word
    vocabulary; each class boosts its own 3,000 mid-frequency words, so the
    classes are learnable from rare words only, as in real text. The
    documents go through ``HashingVectorizer(n_features)`` (l2-normalised,
    alternating signs), giving about ``doc_len`` non-zeros per row.
    """
    rng = np.random.default_rng(seed)
    vocabulary = 200_000
    base = 1.0 / np.arange(1, vocabulary + 1) ** 1.05
    topics = []
    for _ in range(n_classes):
        p = base.copy()
        p[rng.choice(np.arange(200, 50_000), 3_000, replace=False)] *= 20
        topics.append(np.cumsum(p / p.sum()))
    vectorizer = HashingVectorizer(n_features=n_features)
    chunks = []
    for _ in range(n_chunks):
        y = rng.integers(0, n_classes, chunk_size)
        lengths = rng.poisson(doc_len, chunk_size)
        docs = []
        for label, length in zip(y, lengths, strict=True):
            words = np.searchsorted(topics[label], rng.random(length))
            docs.append(" ".join(f"w{w}" for w in np.minimum(words, vocabulary - 1)))
        X = vectorizer.transform(docs).tocsr()
        X.sort_indices()
        chunks.append((X, y))
    return tuple(chunks)


def chunks_of(X, y, size):
    """Consecutive row chunks of ``(X, y)``."""
    return [(X[i : i + size], y[i : i + size]) for i in range(0, X.shape[0], size)]
