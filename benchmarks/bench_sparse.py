"""Sparse text stream: GDClassifier.partial_fit against SGDClassifier.partial_fit.

20 chunks of 1,000 documents hashed into 2^18 features (~36 non-zeros per
row, CSR), 4 classes, one ``partial_fit`` call per chunk, as in
scikit-learn's out-of-core text example. The reference is
``SGDClassifier(loss="log_loss")`` (one-vs-rest, per-sample, weight-scale
trick for the L2 penalty); skgd trains the multinomial log-loss with the
optimizer and batch size of each row. The accuracy on a held-out 21st chunk
is printed beside each time.

With the default L2 penalty, plain SGD updates only the batch's features
(a weight scale carries the shrinkage), but the adaptive optimizers must
update every coordinate at every step to stay exact (the penalty's gradient
moves idle coordinates through their moments); the ``penalty=None`` rows
show their exact lazy updates.

Run ``python benchmarks/bench_sparse.py`` (``--help`` for options).
"""

from common import Case, Group, run_groups
from data import text_stream
from sklearn.linear_model import SGDClassifier

from skgd import GDClassifier

N_CHUNKS = 20
CLASSES = [0, 1, 2, 3]


def _stream():
    chunks = text_stream(n_chunks=N_CHUNKS + 1)
    return chunks[:N_CHUNKS], chunks[N_CHUNKS]


def _held_out(test):
    X, y = test
    return lambda est: f"held-out acc {est.score(X, y):.3f}"


def _reference(train, test):
    def run():
        clf = SGDClassifier(loss="log_loss", random_state=0)
        for X, y in train:
            clf.partial_fit(X, y, classes=CLASSES)
        return clf

    return Case("SGDClassifier(log_loss).partial_fit", run, _held_out(test))


def _skgd(train, test, optimizer, batch_size, lr, target=None, **extra):
    def run():
        clf = GDClassifier(
            optimizer=optimizer,
            batch_size=batch_size,
            learning_rate_init=lr,
            random_state=0,
            **extra,
        )
        for X, y in train:
            clf.partial_fit(X, y, classes=CLASSES)
        return clf

    name = f"skgd {optimizer} batch {batch_size}"
    if extra:
        name += " " + ", ".join(f"{k}={v}" for k, v in extra.items())
    return Case(name, run, _held_out(test), target)


def stream_group():
    train, test = _stream()
    cases = [
        _skgd(train, test, "sgd", 1, 0.5, target=0.35),
        _skgd(train, test, "sgd", 32, 0.5, target=0.35),
        _skgd(train, test, "sgd", 200, 0.5),
        _skgd(train, test, "adagrad", 32, 0.5, target=0.8),
        _skgd(train, test, "adam", 32, 0.01, target=1.5),
        # without a penalty the adaptive optimizers' steps are lazy (exact)
        _skgd(train, test, "adagrad", 32, 0.5, target=0.8, penalty=None),
        _skgd(train, test, "adam", 32, 0.01, target=1.5, penalty=None),
        _skgd(train, test, "adam", 1, 0.01, penalty=None),
    ]
    return Group(TITLE, _reference(train, test), cases)


TITLE = (
    f"sparse stream: {N_CHUNKS} partial_fit chunks of 1000 hashed docs, "
    "2^18 features, 4 classes"
)
GROUPS = [(TITLE, stream_group)]

if __name__ == "__main__":
    run_groups(GROUPS, __doc__)
