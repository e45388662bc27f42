"""scikit-learn's estimator checks over default and non-default configurations.

No check is expected to fail, except the two sample-weight-equivalence checks
in *stochastic* configurations (mini-batches smaller than the data, or a
random validation split): there the order of updates depends on the rows, so
repeating a sample and weighting it cannot give the same iterates.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skgd import GDClassifier, GDRegressor
from skgd.optimizers import OPTIMIZER_NAMES
from skgd.schedules import InverseTime

# learning rates that suit each optimizer on the checks' small data sets
_OPTIMIZER_LR = {
    "sgd": 0.01,
    "momentum": 0.01,
    "nesterov": 0.01,
    "adagrad": 0.1,
    "adadelta": 0.3,
    "rmsprop": 0.01,
    "adam": 0.01,
    "adamw": 0.01,
    "nadam": 0.01,
    "amsgrad": 0.01,
    "rprop": 0.01,
}


def _configurations(cls, losses):
    yield cls()
    for name in OPTIMIZER_NAMES:
        yield cls(optimizer=name, learning_rate_init=_OPTIMIZER_LR[name])
    yield cls(batch_size=1, max_iter=50)
    yield cls(batch_size=5, optimizer="momentum", learning_rate_init=0.001)
    yield cls(batch_size="full", learning_rate=InverseTime(decay=0.01))
    yield cls(batch_size=5, learning_rate="exponential", learning_rate_init=0.05)
    yield cls(learning_rate="adaptive", learning_rate_init=0.1)
    yield cls(learning_rate="cosine", batch_size=8)
    yield cls(learning_rate="warmup", learning_rate_init=0.05)
    yield cls(early_stopping=True)
    yield cls(penalty="l1", alpha=1e-3)
    yield cls(penalty="elasticnet", alpha=1e-3, max_grad_norm=1.0)
    yield cls(penalty=None)
    for loss in losses:
        yield cls(loss=loss)


ESTIMATORS = [
    *_configurations(
        GDRegressor,
        [
            "huber",
            "epsilon_insensitive",
            "squared_epsilon_insensitive",
            "absolute_error",
        ],
    ),
    GDRegressor(fit_intercept=False),
    *_configurations(GDClassifier, ["hinge", "squared_hinge", "modified_huber"]),
    # the classic perceptron; full-batch steps on its piecewise-linear loss cycle
    GDClassifier(loss="perceptron", optimizer="sgd", batch_size=1),
]

_SAMPLE_WEIGHT_CHECKS = (
    "check_sample_weight_equivalence_on_dense_data",
    "check_sample_weight_equivalence_on_sparse_data",
)


def _is_stochastic(estimator):
    batch_size = estimator.batch_size
    minibatch = isinstance(batch_size, int) and batch_size < 15  # checks' n_samples
    return minibatch or estimator.early_stopping


def expected_failed_checks(estimator):
    if not _is_stochastic(estimator):
        return {}
    reason = (
        "stochastic configuration: mini-batches or a random validation split "
        "depend on the rows, so weights and repetitions cannot agree"
    )
    return dict.fromkeys(_SAMPLE_WEIGHT_CHECKS, reason)


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
