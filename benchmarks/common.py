"""Timing harness shared by the benchmark scripts.

Every comparison runs skgd and its reference (scikit-learn) on the same data
in the same process, in interleaved rounds: each round times the reference
and every case, alternating their order, and the reported ratio is the
median over rounds of ``case time / reference time`` of the same round. On a
shared machine this cancels most of the load that comes and goes. Both wall
time and process CPU time are recorded; with BLAS pinned to one thread
everything timed is single-threaded, so the CPU-time ratio is the robust
number and the one compared with targets.

BLAS (and torch, when installed) is pinned to ``--threads`` threads (default
1) with threadpoolctl for the whole run; the banner states the setting.
"""

import argparse
import gc
import json
import os
import platform
import sys
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

# benchmark the checkout these scripts live in, not some other installed skgd
REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402


@dataclass
class Case:
    """One timed callable.

    ``run()`` does the whole timed work and returns what ``quality`` needs;
    ``quality(result)`` returns a short string printed beside the time (an
    accuracy, a loss), so that one can see the work compared was equal.
    ``target`` is the ratio the fast path must reach (``None``: no target).
    """

    name: str
    run: object
    quality: object = None
    target: float | None = None


@dataclass
class Row:
    name: str
    wall: float
    cpu: float
    ratio_wall: float | None
    ratio_cpu: float | None
    rounds: int
    quality: str = ""
    target: float | None = None

    @property
    def verdict(self):
        if self.target is None or self.ratio_cpu is None:
            return ""
        return "met" if self.ratio_cpu <= self.target else "MISSED"


@dataclass
class Group:
    title: str
    reference: Case | None
    cases: list
    rows: list = field(default_factory=list)
    reference_row: Row | None = None


def _timed(fn):
    gc.collect()
    c0 = time.process_time()
    w0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - w0, time.process_time() - c0, result


def _quality(case, result):
    if case.quality is None:
        return ""
    try:
        return case.quality(result)
    except Exception as exc:  # a quality probe must not kill the timing
        return f"quality failed: {exc!r}"


def compare(group, rounds=5, budget=60.0):
    """Time ``group``'s cases against its reference; fills ``group.rows``.

    One warm-up call of everything comes first (imports, compilation, page
    faults). A case whose measured time exceeds ``budget`` seconds is not run
    again in later rounds: a 1000x-slower case needs no second round to be
    known as slow, and the budget keeps a full run under an hour.
    """
    ref, cases = group.reference, group.cases
    everything = ([ref] if ref is not None else []) + list(cases)
    times = {c.name: [] for c in everything}
    results = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for c in everything:  # warm-up
            _timed(c.run)
        active = list(cases)
        for r in range(rounds):
            if not active:
                break
            order = active if r % 2 == 0 else active[::-1]
            if ref is not None and r % 2 == 0:
                w, cpu, results[ref.name] = _timed(ref.run)
                times[ref.name].append((w, cpu))
            round_times = {}
            for c in order:
                w, cpu, results[c.name] = _timed(c.run)
                round_times[c.name] = (w, cpu)
            if ref is not None and r % 2 == 1:
                w, cpu, results[ref.name] = _timed(ref.run)
                times[ref.name].append((w, cpu))
            for c in order:
                times[c.name].append(round_times[c.name])
            active = [c for c in active if round_times[c.name][0] <= budget]
    group.rows = [_row(c, times, ref, results) for c in cases]
    if ref is not None:
        group.reference_row = _row(ref, times, None, results)
    return group


def _row(case, times, ref, results):
    mine = np.array(times[case.name])
    ratio_wall = ratio_cpu = None
    if ref is not None:
        theirs = np.array(times[ref.name][: len(mine)])
        ratio_wall = float(np.median(mine[:, 0] / theirs[:, 0]))
        ratio_cpu = float(np.median(mine[:, 1] / np.maximum(theirs[:, 1], 1e-9)))
    return Row(
        name=case.name,
        wall=float(np.median(mine[:, 0])),
        cpu=float(np.median(mine[:, 1])),
        ratio_wall=ratio_wall,
        ratio_cpu=ratio_cpu,
        rounds=len(mine),
        quality=_quality(case, results.get(case.name)),
        target=case.target,
    )


def _fmt_ratio(x):
    if x is None:
        return "-"
    return f"{x:.3g}" if x < 10 else f"{x:.0f}"


def print_group(group, file=None):
    file = file or sys.stdout
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\n== {group.title}   (load avg {load:.1f})", file=file)
    header = (
        f"   {'case':48s} {'wall ms':>9s} {'cpu ms':>9s} {'ratio':>7s} "
        f"{'r.wall':>7s} {'n':>2s} {'target':>7s}  quality"
    )
    print(header, file=file)
    if group.reference_row is not None:
        r = group.reference_row
        print(
            f"   {'[ref] ' + r.name:48s} {r.wall * 1e3:9.1f} {r.cpu * 1e3:9.1f} "
            f"{'1':>7s} {'1':>7s} {r.rounds:2d} {'':>7s}  {r.quality}",
            file=file,
        )
    for r in group.rows:
        target = "" if r.target is None else f"<={r.target:g}"
        print(
            f"   {r.name:48s} {r.wall * 1e3:9.1f} {r.cpu * 1e3:9.1f} "
            f"{_fmt_ratio(r.ratio_cpu):>7s} {_fmt_ratio(r.ratio_wall):>7s} "
            f"{r.rounds:2d} {target:>7s}  {r.quality} {r.verdict}",
            file=file,
        )
    file.flush()


def group_to_dict(group):
    def row(r):
        return None if r is None else {**vars(r), "verdict": r.verdict}

    return {
        "title": group.title,
        "reference": row(group.reference_row),
        "rows": [row(r) for r in group.rows],
    }


# --- environment ----------------------------------------------------------------


def _version(name):
    try:
        module = __import__(name)
    except Exception:
        return None
    return getattr(module, "__version__", "?")


def _git_describe():
    import subprocess

    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "log", "-1", "--format=%h %s"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        return out.stdout.strip()[:72]
    except Exception:
        return "?"


def banner(threads):
    """The environment, printed before any timing."""
    import skgd

    lines = [
        f"python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} cpus, load avg {os.getloadavg()[0]:.1f}",
        f"skgd {skgd.__file__} @ {_git_describe()}",
        "numpy {} scipy {} scikit-learn {} numba {} torch {}".format(
            *(_version(n) for n in ("numpy", "scipy", "sklearn", "numba", "torch"))
        ),
    ]
    for lib in threadpool_info():
        lines.append(
            f"{lib['user_api']} {lib['internal_api']} {lib.get('version')} "
            f"(default {lib['num_threads']} threads)"
        )
    lines.append(
        f"timing with BLAS/OpenMP pinned to {threads} thread(s) (threadpoolctl); "
        "ratio = median over rounds of skgd cpu time / reference cpu time "
        "(r.wall: the same with wall time)"
    )
    return "\n".join("# " + line for line in lines)


@contextmanager
def pinned_threads(n):
    """BLAS, OpenMP and (when imported) torch limited to ``n`` threads."""
    torch = sys.modules.get("torch")
    old = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield
    finally:
        if torch is not None:
            torch.set_num_threads(old)


def optional_torch():
    """The torch module, or None when it is not installed."""
    try:
        import torch
    except Exception:
        return None
    return torch


# --- command line -------------------------------------------------------------


def parse_args(description, argv=None):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads")
    p.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="seconds after which a slow case is not repeated",
    )
    p.add_argument("-k", "--filter", default="", help="groups whose title has this")
    p.add_argument("--json", default=None, help="append results to this JSON file")
    return p.parse_args(argv)


def run_groups(make_groups, description, argv=None):
    """Parse the command line, build and time the groups, print and save them.

    ``make_groups`` is a list of ``(title, build)`` pairs, ``build()``
    returning the :class:`Group`; data is generated only for the groups that
    ``--filter`` selects.
    """
    args = parse_args(description, argv)
    print(banner(args.threads), flush=True)
    done = []
    with pinned_threads(args.threads):
        for title, build in make_groups:
            if args.filter and args.filter not in title:
                continue
            group = build()
            compare(group, rounds=args.rounds, budget=args.budget)
            print_group(group)
            done.append(group)
    if args.json:
        save_json(args.json, [group_to_dict(g) for g in done])
    return done


def save_json(path, records):
    path = Path(path)
    existing = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(existing + records, indent=1))


def quiet_fit(estimator, *args, **kwargs):
    """``estimator.fit`` with convergence warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return estimator.fit(*args, **kwargs)
