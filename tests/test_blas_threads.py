"""The GUI process and its children run BLAS on one thread: OpenBLAS's spinning workers, with the other
core busy, made a 0.3 ms interpolation on the GUI thread take 100-800 ms (docs/traps.md)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

SCRIPT = """
import numpy
from playground.app import make_app
make_app()
import scipy.spatial, scipy.linalg  # scipy's own OpenBLAS, loaded after the app started
from threadpoolctl import threadpool_info
blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
print(len(blas), sorted({i["num_threads"] for i in blas}))
"""


def test_make_app_limits_every_blas_to_one_thread_even_one_loaded_later():
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    n, threads = r.stdout.split(maxsplit=1)
    assert int(n) >= 2, r.stdout  # numpy's and scipy's OpenBLAS were both found
    assert threads.strip() == "[1]", r.stdout
