"""``python -m skgd``: train the estimators on bundled data and compare.

Fits skgd's estimators with several optimizers, schedules and batch sizes on
scikit-learn's bundled data sets (breast cancer and digits for
classification, diabetes for regression), next to scikit-learn's own
gradient-descent estimators as a reference, and prints one table per data
set: optimizer, schedule, batch size, epochs run, fit time and test score.
"""

import argparse
import time
import warnings

from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from . import GDClassifier, GDRegressor, MLPGDClassifier, MLPGDRegressor


def _describe(estimator):
    """(optimizer, schedule, batch size) of an estimator, skgd or scikit-learn."""
    params = estimator.get_params()
    if "optimizer" in params:
        optimizer, schedule = params["optimizer"], params["learning_rate"]
    else:  # scikit-learn: SGD* have no optimizer choice, MLP* a "solver"
        optimizer = params.get("solver", "sgd")
        schedule = params["learning_rate"]
    batch = params.get("batch_size", 1)
    return str(optimizer), str(schedule), str(batch)


def _candidates(task):
    if task == "classification":
        linear, mlp = GDClassifier, MLPGDClassifier
        sk_linear = SGDClassifier(loss="log_loss", random_state=0)
        sk_mlp = MLPClassifier(hidden_layer_sizes=(64,), max_iter=100, random_state=0)
    else:
        linear, mlp = GDRegressor, MLPGDRegressor
        sk_linear = SGDRegressor(random_state=0)
        sk_mlp = MLPRegressor(hidden_layer_sizes=(64,), max_iter=300, random_state=0)
    linear_runs = [
        linear(optimizer="sgd", learning_rate_init=0.1),
        linear(optimizer="momentum", learning_rate_init=0.05),
        linear(optimizer="adam"),
        linear(optimizer="rmsprop", batch_size=32),
        linear(optimizer="adagrad", learning_rate_init=0.1, batch_size=32),
        linear(
            optimizer="nesterov", learning_rate="cosine", batch_size=16, max_iter=50
        ),
        linear(
            optimizer="sgd",
            learning_rate="invscaling",
            learning_rate_init=0.1,
            batch_size=1,
            max_iter=20,
        ),
        linear(optimizer="adam", early_stopping=True, batch_size=32),
    ]
    mlp_runs = [
        mlp(hidden_layer_sizes=(64,), max_iter=100),
        mlp(hidden_layer_sizes=(64,), optimizer="nadam", max_iter=100),
        mlp(
            hidden_layer_sizes=(64,),
            optimizer="rmsprop",
            learning_rate="adaptive",
            max_iter=100,
        ),
    ]
    for run in [*linear_runs, *mlp_runs]:
        run.set_params(random_state=0)
    return [("skgd", r) for r in [*linear_runs, *mlp_runs]] + [
        ("scikit-learn", sk_linear),
        ("scikit-learn", sk_mlp),
    ]


def _datasets():
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast_cancer", "classification", X, y
    X, y = load_digits(return_X_y=True)
    yield "digits", "classification", X, y
    X, y = load_diabetes(return_X_y=True)
    yield "diabetes", "regression", X, (y - y.mean()) / y.std()


def run(datasets=None):
    """Fit every candidate on every data set; return rows of results."""
    rows = []
    for name, task, X, y in _datasets():
        if datasets and name not in datasets:
            continue
        X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
        for library, estimator in _candidates(task):
            model = make_pipeline(StandardScaler(), clone(estimator))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                start = time.perf_counter()
                model.fit(X_train, y_train)
                seconds = time.perf_counter() - start
            final = model[-1]
            rows.append(
                {
                    "dataset": name,
                    "library": library,
                    "estimator": type(final).__name__,
                    **dict(
                        zip(
                            ("optimizer", "schedule", "batch"),
                            _describe(final),
                            strict=True,
                        )
                    ),
                    "epochs": final.n_iter_,
                    "fit_s": seconds,
                    "score": model.score(X_test, y_test),
                }
            )
    return rows


def _print(rows):
    header = (
        "library",
        "estimator",
        "optimizer",
        "schedule",
        "batch",
        "epochs",
        "fit_s",
        "score",
    )
    widths = (12, 16, 10, 12, 6, 6, 7, 6)
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        metric = "R^2" if dataset == "diabetes" else "accuracy"
        print(f"\n== {dataset} (test {metric}) ==")
        print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
        for r in rows:
            if r["dataset"] != dataset:
                continue
            cells = [
                r["library"],
                r["estimator"],
                r["optimizer"],
                r["schedule"],
                r["batch"],
                str(r["epochs"]),
                f"{r['fit_s']:.3f}",
                f"{r['score']:.4f}",
            ]
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m skgd", description=__doc__)
    parser.add_argument(
        "--dataset",
        action="append",
        choices=["breast_cancer", "digits", "diabetes"],
        help="restrict to a data set (repeatable)",
    )
    args = parser.parse_args(argv)
    _print(run(args.dataset))


if __name__ == "__main__":
    main()
