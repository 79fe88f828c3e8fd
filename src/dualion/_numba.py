"""``njit`` from numba when it is installed (the ``[speed]`` extra), else a no-op decorator; ``HAVE_NUMBA`` says
which. The one import point for every compiled kernel (``dualion.model.kernels``, ``dualion.cell.fast_kernel``,
``dualion.model.lattice_mc``): without numba they still import and their callers take the NumPy / LSODA path."""

from __future__ import annotations

try:  # pragma: no cover - exercised when numba is installed
    from numba import njit
    HAVE_NUMBA = True
except ImportError:  # pragma: no cover
    HAVE_NUMBA = False

    def njit(*args, **kwargs):  # type: ignore[no-redef]
        def wrap(f):
            return f
        return wrap(args[0]) if args and callable(args[0]) else wrap

__all__ = ["HAVE_NUMBA", "njit"]
