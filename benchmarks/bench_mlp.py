"""MLPs: MLPGDClassifier against MLPClassifier (and torch where installed).

One hidden layer of 100 ReLU units, softmax output, Adam (lr 1e-3), batch
200, a fixed number of epochs (no early stopping, no tolerance), the same
data in float64 and float32 (scikit-learn's MLP keeps float32 input in
float32). The training accuracy after the fixed epochs is printed beside
each time, so that equal work is visible. The ratio of whole fits is the
ratio per epoch: the epochs are the same.

Run ``python benchmarks/bench_mlp.py`` (``--help`` for options).
"""

import numpy as np
from common import Case, Group, optional_torch, quiet_fit, run_groups
from data import dense_classification, digits
from sklearn.neural_network import MLPClassifier

from skgd import MLPGDClassifier

HIDDEN = (100,)
LR = 1e-3


def _accuracy(X, y):
    return lambda est: f"acc {est.score(X, y):.4f}"


def _sklearn(X, y, batch_size, epochs):
    def run():
        return quiet_fit(
            MLPClassifier(
                HIDDEN,
                batch_size=batch_size,
                learning_rate_init=LR,
                max_iter=epochs,
                tol=0.0,
                n_iter_no_change=10**9,
                random_state=0,
            ),
            X,
            y,
        )

    return Case("MLPClassifier adam", run, _accuracy(X, y))


def _skgd(X, y, batch_size, epochs, target=None):
    def run():
        return quiet_fit(
            MLPGDClassifier(
                HIDDEN,
                batch_size=batch_size,
                learning_rate_init=LR,
                max_iter=epochs,
                tol=None,
                random_state=0,
            ),
            X,
            y,
        )

    name = f"skgd MLPGDClassifier adam batch {batch_size}"
    return Case(name, run, _accuracy(X, y), target)


def _torch(X, y, batch_size, epochs):
    torch = optional_torch()
    if torch is None:
        return None
    Xt = torch.from_numpy(X)
    classes, codes = np.unique(y, return_inverse=True)
    yt = torch.from_numpy(codes.astype(np.int64))

    def run():
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], HIDDEN[0], dtype=Xt.dtype),
            torch.nn.ReLU(),
            torch.nn.Linear(HIDDEN[0], len(classes), dtype=Xt.dtype),
        )
        opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=1e-4)
        loss_fn = torch.nn.CrossEntropyLoss()
        n = Xt.shape[0]
        for _ in range(epochs):
            order = torch.randperm(n)
            for start in range(0, n, batch_size):
                rows = order[start : start + batch_size]
                opt.zero_grad()
                loss_fn(model(Xt[rows]), yt[rows]).backward()
                opt.step()
        return model

    def quality(model):
        with torch.no_grad():
            pred = model(Xt).argmax(1).numpy()
        return f"acc {(pred == codes).mean():.4f}"

    return Case(f"torch adam batch {batch_size}", run, quality)


def _group(title, X, y, batch_size, epochs, target):
    cases = [_skgd(X, y, batch_size, epochs, target)]
    cases += [c for c in (_torch(X, y, batch_size, epochs),) if c is not None]
    return Group(title, _sklearn(X, y, batch_size, epochs), cases)


def _synthetic(n, dtype):
    X, y = dense_classification(n, 100, n_classes=10)
    return X.astype(dtype), y


def _groups():
    """(title, build) for every MLP comparison."""
    groups = []
    for n, epochs in ((20_000, 5), (50_000, 3)):
        for dtype, target in ((np.float64, 0.5), (np.float32, 0.35)):
            name = np.dtype(dtype).name
            title = (
                f"MLP (100,) adam batch 200, {n}x100 10 classes, {epochs} epochs, "
                f"{name}"
            )

            def build(title=title, n=n, epochs=epochs, dtype=dtype, target=target):
                return _group(title, *_synthetic(n, dtype), 200, epochs, target)

            groups.append((title, build))
    for batch in (200, 32):
        title = f"MLP (100,) adam batch {batch}, load_digits 1797x64, 30 epochs"

        def build(title=title, batch=batch):
            return _group(title, *digits(), batch, 30, None)

        groups.append((title, build))
    return groups


GROUPS = _groups()

if __name__ == "__main__":
    run_groups(GROUPS, __doc__)
