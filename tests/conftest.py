"""Test-session settings."""

from threadpoolctl import threadpool_limits

# The suite runs on several pytest-xdist workers; a threaded BLAS in each of
# them oversubscribes the cores and slows the many small matrix products of
# gradient descent down by an order of magnitude.
threadpool_limits(1)
