"""One BLAS thread in every process of the app: OpenBLAS's spinning workers stall the GUI thread.

numpy and scipy each load their own OpenBLAS with a thread per core. On two cores with a search or
a trainer child busy on one of them, a tiny BLAS or LAPACK call on the GUI thread (the contour map's
Delaunay interpolation, 40 trials on an 80 x 80 grid: 0.3 ms alone) waited for a BLAS worker that had
no core and took 100-800 ms. Nothing in the app multiplies matrices big enough to gain from threads.
"""
from __future__ import annotations

import os


def one_blas_thread() -> None:
    """Limit every loaded BLAS to one thread, and every BLAS loaded later (scipy's, the children's).

    The environment variable covers libraries loaded after this call (it is read when OpenBLAS
    loads, and spawned children inherit it); threadpoolctl changes those already loaded.
    """
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1, user_api="blas")
