"""Run every benchmark script in turn, each in a fresh process.

``python benchmarks/run_all.py [--rounds N] [--json results.json]``: the
timing options are passed to the ratio benchmarks (linear, sparse, MLP); the
memory and latency benchmarks take none. The whole suite takes 10-20 minutes
with the compiled fast path (much longer without it: the slowest cases then
run once, see ``--budget``).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMED = ["bench_linear.py", "bench_sparse.py", "bench_mlp.py"]
OTHERS = ["bench_memory.py", "bench_latency.py"]


def main(argv):
    for script in TIMED:
        subprocess.run([sys.executable, str(HERE / script), *argv], check=True)
    for script in OTHERS:
        subprocess.run([sys.executable, str(HERE / script)], check=True)


if __name__ == "__main__":
    main(sys.argv[1:])
