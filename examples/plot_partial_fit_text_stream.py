"""
=====================================
Online learning on a stream of text
=====================================

Out-of-core text classification: documents arrive in chunks, each chunk is
turned into features by scikit-learn's
:class:`~sklearn.feature_extraction.text.HashingVectorizer` (stateless, so
there is no vocabulary to fit and a word never seen before still gets a
column), and the classifier learns from it with
:meth:`~skgd.linear_model.GDClassifier.partial_fit`, one pass over the chunk
in mini-batches. The optimizer's state (here Adam's moment estimates) carries
over from one chunk to the next, so the stream trains like one long epoch.

No data is downloaded: the script writes its own two-topic corpus from small
word lists. Half-way through the stream each topic starts using words it has
not used before (new team names, new spacecraft), as real streams drift; the
hashed features need no refit for them, the classifier just learns them.
"""

import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.linear_model import SGDClassifier

from skgd import GDClassifier

# %%
# A synthetic stream of documents
# -------------------------------
# Each document mixes common words with words of its topic (sports or space)
# and, to make the task less than trivial, a few words of the other topic.
# ``late`` words only appear in the second half of the stream.

COMMON = (
    "the a of and to in is it that for on with as this was at by an be from or "
    "are have has they their we our you one new after year first two more about"
).split()
TOPICS = {
    "sports": {
        "early": (
            "match team goal score coach league season player win defeat "
            "striker referee stadium fans tournament cup final penalty keeper"
        ).split(),
        "late": "comets rovers transfer derby playoff midfielder".split(),
    },
    "space": {
        "early": (
            "orbit rocket launch planet moon star galaxy telescope astronaut "
            "mission satellite solar mars gravity crater probe nasa capsule"
        ).split(),
        "late": "artemis starship exoplanet lander asteroid perihelion".split(),
    },
}
LABELS = list(TOPICS)


def make_document(rng, topic, late):
    """A document of 15 to 40 words about ``topic``."""
    own = TOPICS[topic]["early"] + (TOPICS[topic]["late"] if late else [])
    other = TOPICS[LABELS[1 - LABELS.index(topic)]]["early"]
    words = []
    for _ in range(rng.randint(15, 41)):
        draw = rng.rand()
        source = own if draw < 0.2 else other if draw < 0.26 else COMMON
        words.append(source[rng.randint(len(source))])
    return " ".join(words)


def stream(rng, n_chunks, chunk_size):
    """Yield ``(documents, labels)`` chunks; topics drift half-way through."""
    for chunk in range(n_chunks):
        late = chunk >= n_chunks // 2
        labels = rng.randint(2, size=chunk_size)
        docs = [make_document(rng, LABELS[label], late) for label in labels]
        yield docs, labels


rng = np.random.RandomState(0)
n_chunks, chunk_size = 30, 200
print(make_document(rng, "space", late=False))

# A held-out test set from the drifted (second-half) distribution.
test_labels = rng.randint(2, size=1000)
test_docs = [make_document(rng, LABELS[label], True) for label in test_labels]

# %%
# Learning chunk by chunk
# -----------------------
# Every chunk is first used to *test* the current model (progressive
# validation: the model has not seen these documents yet) and then to train
# it. scikit-learn's own :class:`~sklearn.linear_model.SGDClassifier` (log
# loss, its default optimal learning rate) runs alongside as a reference.

vectorizer = HashingVectorizer(n_features=2**14, alternate_sign=False)
X_test = vectorizer.transform(test_docs)
models = {
    "skgd GDClassifier (adam)": GDClassifier(
        optimizer="adam", learning_rate_init=0.01, batch_size=32, random_state=0
    ),
    "sklearn SGDClassifier": SGDClassifier(loss="log_loss", random_state=0),
}
history = {name: {"progressive": [], "test": [], "seconds": 0.0} for name in models}
seen = []
classes = np.arange(2)
for docs, labels in stream(rng, n_chunks, chunk_size):
    X_chunk = vectorizer.transform(docs)  # sparse, 2**14 hashed columns
    for name, model in models.items():
        record = history[name]
        if seen:  # the first chunk has no model to test yet
            record["progressive"].append(model.score(X_chunk, labels))
        start = time.perf_counter()
        model.partial_fit(X_chunk, labels, classes=classes)
        record["seconds"] += time.perf_counter() - start
        record["test"].append(model.score(X_test, test_labels))
    seen.append((seen[-1] if seen else 0) + len(docs))

for name, record in history.items():
    print(
        f"{name:<26} test accuracy {record['test'][-1]:.3f}, "
        f"progressive accuracy over the 2nd half "
        f"{np.mean(record['progressive'][n_chunks // 2 :]):.3f}, "
        f"{seen[-1] / record['seconds']:.0f} documents/s in partial_fit"
    )

# %%
# Accuracy along the stream
# -------------------------
# The left panel tests each model on the chunk it is about to learn from, the
# right one on the fixed test set, written with the drifted vocabulary. The
# dotted line marks the drift: the progressive accuracy dips for a few chunks
# as the new words arrive, and the test accuracy, stuck in the mid-80s while
# those words were unknown, climbs above 90% within about a thousand
# documents. Both learners track each other closely.

fig, (ax_prog, ax_test) = plt.subplots(
    1, 2, figsize=(11, 4.2), sharey=True, layout="constrained"
)
for name, record in history.items():
    ax_prog.plot(seen[1:], record["progressive"], marker="o", ms=3, label=name)
    ax_test.plot(seen, record["test"], marker="o", ms=3, label=name)
for ax in (ax_prog, ax_test):
    ax.axvline(seen[n_chunks // 2 - 1], color="black", linestyle=":")
    ax.set_xlabel("Documents seen")
ax_prog.set(ylabel="Accuracy", title="Progressive validation (next chunk)")
ax_test.set(title="Held-out test set (drifted vocabulary)")
ax_test.legend(loc="lower right")

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "partial_fit_text_stream.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
