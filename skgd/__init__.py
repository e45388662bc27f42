"""skgd: scikit-learn compatible estimators trained by gradient descent.

Estimators: :class:`GDRegressor`, :class:`GDClassifier` (linear models) and
:class:`MLPGD`, :class:`MLPGDClassifier`, :class:`MLPGDRegressor`
(multi-layer perceptrons), with pluggable optimizers
(:mod:`skgd.optimizers`) and learning-rate schedules (:mod:`skgd.schedules`).
:func:`minimize` applies the same optimizers to any differentiable function;
:func:`check_gradient` and :func:`check_estimator_gradient` compare analytic
and numerical gradients; :mod:`skgd.plotting` draws loss curves and
optimizer paths.
"""

from ._training import DivergenceWarning
from .gradient_check import check_estimator_gradient, check_gradient
from .linear_model import GDClassifier, GDRegressor
from .neural_network import MLPGD, MLPGDClassifier, MLPGDRegressor
from .optimize import minimize
from .plotting import LossCurveDisplay, OptimizerPathDisplay

__all__ = [
    "DivergenceWarning",
    "GDClassifier",
    "GDRegressor",
    "LossCurveDisplay",
    "MLPGD",
    "MLPGDClassifier",
    "MLPGDRegressor",
    "OptimizerPathDisplay",
    "check_estimator_gradient",
    "check_gradient",
    "minimize",
]
__version__ = "0.1.0"
