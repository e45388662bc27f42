"""
========================================
Data-parallel training on a dask cluster
========================================

:class:`~skgd.dask.DaskGDClassifier` trains the same model as
:class:`~skgd.linear_model.GDClassifier`, with the data spread over the
workers of a dask cluster: each worker keeps its partitions in memory and
computes the gradient of its share of every mini-batch; the client adds the
workers' gradients and applies one update of the optimizer.

The mini-batches are the ones the local estimator draws from the same
``random_state`` on the partitions put end to end, so the two fits agree up
to floating-point rounding. The cluster here runs its two workers as threads
of this process, to keep the example quick; on a real cluster (or with
``processes=True``) nothing else changes.
"""

import os
from pathlib import Path

import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification

from skgd import GDClassifier
from skgd.dask import DaskGDClassifier

# %%
# A cluster and data spread over it
# ---------------------------------
# 20 000 samples in 8 partitions; ``persist`` loads them on the workers, as
# data read by dask from files would be.

# (dashboard_address=":0": any free port, so no clash with another cluster)
cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
)
client = Client(cluster)

X, y = make_classification(
    n_samples=20_000, n_features=20, n_informative=10, n_classes=3, random_state=0
)
dX = da.from_array(X, chunks=2_500).persist()
dy = da.from_array(y, chunks=2_500).persist()

# %%
# The distributed fit and the local one
# -------------------------------------
# Mini-batches of 1000 samples, reshuffled every epoch.

params = dict(batch_size=1000, max_iter=15, tol=None, random_state=0)
distributed_model = DaskGDClassifier(**params).fit(dX, dy)
local_model = GDClassifier(**params).fit(X, y)

difference = np.abs(distributed_model.coef_ - local_model.coef_).max()
print(f"largest coefficient difference: {difference:.1e}")
print(f"epochs: {distributed_model.n_iter_} and {local_model.n_iter_}")
print(f"accuracy, distributed: {distributed_model.score(dX, dy):.4f}")
print(f"accuracy, local:       {local_model.score(X, y):.4f}")

# %%
# Predictions are computed on the workers
# ---------------------------------------
# ``predict`` on a dask array returns a lazy dask array, block by block;
# ``to_local`` returns the equivalent fitted local estimator.

y_pred = distributed_model.predict(dX)
print(type(y_pred).__name__, y_pred.chunks[0][:3], "...")
same = (y_pred.compute() == distributed_model.to_local().predict(X)).all()
print("to_local() predicts the same:", bool(same))

# %%
# Streaming with ``partial_fit``
# ------------------------------
# ``partial_fit`` on a dask array trains on its blocks in order, one at a
# time, carrying the optimizer state from block to block: an out-of-core pass.

stream = DaskGDClassifier(batch_size=100, random_state=0)
stream_losses = []
for _ in range(3):
    stream.partial_fit(dX, dy, classes=np.unique(y))
    stream_losses.extend(stream.loss_curve_[-dX.numblocks[0] :])
print(f"after 3 passes: {stream.n_iter_} blocks, accuracy {stream.score(dX, dy):.4f}")

client.close()
cluster.close()

# %%
# The loss curves
# ---------------
# The distributed and local curves lie on each other; the streaming curve
# has one point per block.

fig, (ax_fit, ax_stream) = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
epochs = np.arange(1, len(local_model.loss_curve_) + 1)
ax_fit.plot(epochs, local_model.loss_curve_, lw=4, alpha=0.4, label="GDClassifier")
ax_fit.plot(
    epochs, distributed_model.loss_curve_, "k--", label="DaskGDClassifier (2 workers)"
)
ax_fit.set(xlabel="Epoch", ylabel="Training loss", title="fit")
ax_fit.legend()
ax_stream.plot(np.arange(1, len(stream_losses) + 1), stream_losses, marker="o", ms=3)
ax_stream.set(xlabel="Block", ylabel="Mean loss on the block", title="partial_fit")

# sphinx_gallery_start_ignore
try:
    _output = Path(__file__).parent / "output"
except NameError:  # sphinx-gallery runs examples from their folder, no __file__
    _output = Path("output")
output_dir = Path(os.environ.get("SKGD_EXAMPLES_OUTPUT", _output))
output_dir.mkdir(parents=True, exist_ok=True)
fig.savefig(output_dir / "dask_local_cluster.png", dpi=100)
# sphinx_gallery_end_ignore

plt.show()
