"""Smoke test of the example gallery: every script runs, prints, saves a figure.

Scripts are discovered, so a new ``examples/*.py`` is tested without editing
this file. Each runs in a subprocess, headless (``MPLBACKEND=Agg``), with its
figures redirected to a temporary folder through ``SKGD_EXAMPLES_OUTPUT``.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
SCRIPTS = sorted(
    path
    for path in EXAMPLES_DIR.rglob("*.py")
    if "output" not in path.relative_to(EXAMPLES_DIR).parts
)
# a number with a decimal point or an exponent, e.g. 0.973, 1.2e-03, 12.
NUMBER = re.compile(r"\d\.\d|\d[eE][-+]?\d")


def example_env(output_dir):
    env = dict(os.environ)
    env.update(
        MPLBACKEND="Agg",
        SKGD_EXAMPLES_OUTPUT=str(output_dir),
        # The suite runs on several workers: threaded BLAS on top of that
        # oversubscribes the cores, which slows the small matrix products of
        # the examples down by an order of magnitude.
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    return env


def test_examples_are_found():
    assert len(SCRIPTS) >= 6, f"examples missing from {EXAMPLES_DIR}"


@pytest.mark.parametrize(
    "script", SCRIPTS, ids=[str(p.relative_to(EXAMPLES_DIR)) for p in SCRIPTS]
)
def test_example_runs_and_saves_a_figure(script, tmp_path):
    output_dir = tmp_path / "figures"
    proc = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,  # the script must not depend on the working directory
        env=example_env(output_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, f"{script.name} failed:\n{proc.stderr[-4000:]}"
    pngs = sorted(output_dir.glob("*.png"))
    assert pngs, f"{script.name} saved no PNG figure in SKGD_EXAMPLES_OUTPUT"
    for png in pngs:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png.name} is no PNG"
        assert png.stat().st_size > 5_000, f"{png.name} looks empty"
    assert NUMBER.search(proc.stdout), f"{script.name} printed no numbers"
