"""Dense linear models: GDClassifier against SGDClassifier.

The reference of every ratio is ``SGDClassifier(loss="log_loss")`` with a
constant step size over the same number of epochs: scikit-learn's per-sample
Cython SGD, the fastest linear SGD it has. skgd runs the same loss and
penalty (L2, alpha=1e-4) with the batch size and optimizer of each row; the
training accuracy printed beside each time shows the work was comparable.

Run ``python benchmarks/bench_linear.py`` (``--help`` for options).
"""

from common import Case, Group, optional_torch, quiet_fit, run_groups
from data import chunks_of, dense_classification
from sklearn.linear_model import SGDClassifier

from skgd import GDClassifier

EPOCHS = 3
N, D = 50_000, 100
ETA = 0.01


def _sgd_reference(X, y):
    def run():
        return quiet_fit(
            SGDClassifier(
                loss="log_loss",
                learning_rate="constant",
                eta0=ETA,
                max_iter=EPOCHS,
                tol=None,
                random_state=0,
            ),
            X,
            y,
        )

    return Case("SGDClassifier log_loss per-sample", run, _accuracy(X, y))


def _accuracy(X, y):
    return lambda est: f"acc {est.score(X, y):.4f}"


def _skgd(X, y, optimizer, batch_size, lr, target=None):
    def run():
        return quiet_fit(
            GDClassifier(
                loss="log_loss",
                optimizer=optimizer,
                learning_rate_init=lr,
                batch_size=batch_size,
                max_iter=EPOCHS,
                tol=None,
                random_state=0,
            ),
            X,
            y,
        )

    name = f"skgd {optimizer} batch {batch_size}"
    return Case(name, run, _accuracy(X, y), target)


def _torch_linear(X, y, optimizer, batch_size, lr):
    """The same model and loop written in torch (None when not installed)."""
    torch = optional_torch()
    if torch is None:
        return None
    Xt = torch.from_numpy(X)
    yt = torch.from_numpy(y.astype(X.dtype))[:, None]

    def run():
        torch.manual_seed(0)
        model = torch.nn.Linear(X.shape[1], 1, dtype=Xt.dtype)
        torch.nn.init.zeros_(model.weight)
        torch.nn.init.zeros_(model.bias)
        opt_cls = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}[optimizer]
        opt = opt_cls(model.parameters(), lr=lr)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        n = Xt.shape[0]
        for _ in range(EPOCHS):
            order = torch.randperm(n)
            for start in range(0, n, batch_size):
                rows = order[start : start + batch_size]
                opt.zero_grad()
                out = model(Xt[rows])
                loss = loss_fn(out, yt[rows]) + 0.5e-4 * (model.weight**2).sum()
                loss.backward()
                opt.step()
        return model

    def quality(model):
        with torch.no_grad():
            pred = (model(Xt)[:, 0] > 0).numpy()
        return f"acc {(pred == y.astype(bool)).mean():.4f}"

    return Case(f"torch {optimizer} batch {batch_size}", run, quality)


def sgd_group():
    X, y = dense_classification(N, D)
    cases = [_skgd(X, y, "sgd", 1, ETA, target=0.7)]
    for b in (8, 32, 128, 256):
        cases.append(_skgd(X, y, "sgd", b, ETA, target=0.6))
    cases.append(_skgd(X, y, "sgd", "full", 1.0, target=0.6))
    cases += [c for c in (_torch_linear(X, y, "sgd", 32, ETA),) if c is not None]
    return Group(TITLE_SGD, _sgd_reference(X, y), cases)


def adam_group():
    X, y = dense_classification(N, D)
    cases = [_skgd(X, y, "adam", 1, 1e-3, target=1.0)]
    for b in (8, 32, 256):
        cases.append(_skgd(X, y, "adam", b, 1e-3, target=0.8))
    cases += [c for c in (_torch_linear(X, y, "adam", 32, 1e-3),) if c is not None]
    return Group(TITLE_ADAM, _sgd_reference(X, y), cases)


def partial_fit_group():
    X, y = dense_classification(N, D)
    chunks = chunks_of(X, y, 1_000)
    classes = [0, 1]

    def reference():
        clf = SGDClassifier(
            loss="log_loss", learning_rate="constant", eta0=ETA, random_state=0
        )
        for Xc, yc in chunks:
            clf.partial_fit(Xc, yc, classes=classes)
        return clf

    def skgd(optimizer, batch_size, lr):
        def run():
            clf = GDClassifier(
                optimizer=optimizer,
                batch_size=batch_size,
                learning_rate_init=lr,
                random_state=0,
            )
            for Xc, yc in chunks:
                clf.partial_fit(Xc, yc, classes=classes)
            return clf

        return run

    acc = _accuracy(X, y)
    cases = [
        Case("skgd sgd batch 1", skgd("sgd", 1, ETA), acc, 0.8),
        Case("skgd sgd batch 32", skgd("sgd", 32, ETA), acc, 0.8),
        Case("skgd adam batch 32", skgd("adam", 32, 1e-3), acc, 0.8),
    ]
    return Group(
        TITLE_PARTIAL, Case("SGDClassifier.partial_fit", reference, acc), cases
    )


TITLE_SGD = f"dense {N}x{D} binary log_loss, {EPOCHS} epochs: plain SGD"
TITLE_ADAM = f"dense {N}x{D} binary log_loss, {EPOCHS} epochs: Adam"
TITLE_PARTIAL = f"dense partial_fit: {N // 1000} chunks of 1000x{D}, one pass"

GROUPS = [
    (TITLE_SGD, sgd_group),
    (TITLE_ADAM, adam_group),
    (TITLE_PARTIAL, partial_fit_group),
]

if __name__ == "__main__":
    run_groups(GROUPS, __doc__)
