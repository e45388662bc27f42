"""
=============================================
pandas input: numeric and categorical columns
=============================================

skgd's estimators take pandas DataFrames as scikit-learn's do: they record
the column names in ``feature_names_in_`` and check them when predicting.
Real tables mix numeric and categorical columns, which need different
preprocessing; a :class:`~sklearn.compose.ColumnTransformer` applies a
:class:`~sklearn.preprocessing.OneHotEncoder` to the categories and a
:class:`~sklearn.preprocessing.StandardScaler` to the numbers, and with
``set_output(transform="pandas")`` it hands the regressor a DataFrame whose
columns are named after the encoded features. The fitted coefficients can
then be read by name.
"""

import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skgd import GDRegressor

# %%
# A table with categorical columns
# --------------------------------
# The diabetes data as a DataFrame in its original units. ``sex`` is coded
# 1 and 2, a category rather than a quantity; we also replace the age in
# years by an age group, as a questionnaire might record it, to have a
# category with three levels.

data = load_diabetes(as_frame=True, scaled=False)
df = data.data
df["sex"] = df["sex"].astype(int).astype(str).astype("category")
df["age"] = pd.cut(
    df["age"],
    bins=[0, 40, 60, 120],
    right=False,
    labels=["under 40", "40 to 59", "60 and over"],
)
print(df.head())
print("categorical columns:", list(df.select_dtypes("category").columns))

X_train, X_test, y_train, y_test = train_test_split(df, data.target, random_state=0)

# %%
# One pipeline for both kinds of column
# -------------------------------------
# ``make_column_selector`` picks the columns by dtype, so the same
# preprocessing works for any table with this mix of columns. One category
# of each categorical column is dropped (``drop="first"``): with an
# intercept, the full set of indicator columns would be collinear, and each
# remaining coefficient is the difference from the dropped category.
# ``set_output(transform="pandas")`` makes every step return a DataFrame
# (the encoder must then produce dense output).

preprocess = ColumnTransformer(
    [
        (
            "category",
            OneHotEncoder(drop="first", sparse_output=False),
            make_column_selector(dtype_include="category"),
        ),
        ("number", StandardScaler(), make_column_selector(dtype_include="number")),
    ]
)
model = make_pipeline(preprocess, GDRegressor(random_state=0))
model.set_output(transform="pandas")
model.fit(X_train, y_train)
print(f"test R²: {model.score(X_test, y_test):.3f}")

# %%
# Feature names in and out
# ------------------------
# The pipeline's ``feature_names_in_`` are the columns of the table; the
# column transformer's ``get_feature_names_out()`` are the encoded features,
# prefixed by the name of the transformer that made them, and the regressor
# saw exactly those as the columns of its input.

encoder = model[0].named_transformers_["category"]
for column, categories, dropped in zip(
    encoder.feature_names_in_, encoder.categories_, encoder.drop_idx_, strict=True
):
    print(f"{column}: categories {list(categories)}, dropped {categories[dropped]!r}")
print("pipeline input:  ", list(model.feature_names_in_))
print("encoded features:", list(model[0].get_feature_names_out()))
regressor = model[-1]
print(
    "regressor input matches:",
    np.array_equal(regressor.feature_names_in_, model[0].get_feature_names_out()),
)

# %%
# The coefficients by name
# ------------------------
# ``coef_`` is in the target's units: for a numeric feature, the change of
# the predicted disease progression per standard deviation of the feature;
# for an indicator, the difference from the dropped category. Next to them,
# the exact least-squares coefficients of
# :class:`~sklearn.linear_model.LinearRegression` on the same features.

exact = make_pipeline(preprocess, LinearRegression()).fit(X_train, y_train)
coefficients = pd.DataFrame(
    {"GDRegressor": regressor.coef_, "LinearRegression": exact[-1].coef_},
    index=regressor.feature_names_in_,
)
print(coefficients.round(1))
print(f"LinearRegression test R²: {exact.score(X_test, y_test):.3f}")

# %%
# The coefficients of the age groups, sex, ``bmi``, ``bp`` and ``s6`` are close;
# those of the blood serum measurements ``s1`` to ``s5`` do not. These are
# strongly correlated (``s1`` and ``s2``, total and LDL cholesterol, at
# 0.89), so the loss is a long, flat valley along the directions in which
# their coefficients trade off against each other. Gradient descent moves
# slowly along such a valley, and the default stopping rule (the training
# loss has not improved by ``tol`` for five epochs) ends the fit before it
# reaches the exact minimum, whose coefficients are large and of opposite
# signs. Stopping early acts as a regularisation, and the test R² is about
# the same. Without the stopping rule (``tol=None``) and with enough
# epochs, gradient descent reaches the least-squares coefficients.

print(X_train[["s1", "s2", "s3", "s4", "s5"]].corr().round(2))

long_run = make_pipeline(
    preprocess, GDRegressor(tol=None, max_iter=3000, random_state=0)
).set_output(transform="pandas")
long_run.fit(X_train, y_train)
coefficients.insert(1, "GDRegressor, 3000 epochs", long_run[-1].coef_)
print(coefficients.round(1).loc[["number__s1", "number__s2", "number__s5"]])
print(f"3000 epochs, test R²: {long_run.score(X_test, y_test):.3f}")

fig, ax = plt.subplots(figsize=(7, 6.5), layout="constrained")
coefficients.plot.barh(ax=ax, width=0.8, legend=False)
ax.axvline(0, color="0.4", linewidth=1)
ax.invert_yaxis()
ax.set(xlabel="Coefficient (disease progression units)")
ax.set_title("Diabetes: coefficients by encoded feature name")
fig.legend(loc="outside lower center", ncols=3)

# sphinx_gallery_start_ignore
# Save the figure where the smoke test (or a reader running the script) finds
# it; sphinx-gallery captures the figures itself.
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "pandas_column_transformer.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
