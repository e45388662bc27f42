"""skgd: scikit-learn compatible estimators trained by gradient descent."""

from .linear_model import GDClassifier, GDRegressor

__all__ = ["GDClassifier", "GDRegressor"]
__version__ = "0.1.0"
