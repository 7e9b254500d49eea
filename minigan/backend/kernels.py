"""Fused elementwise kernels for the engine's hottest backward rules.

Each function computes one small formula in as few passes and temporaries as the
backend allows: NumPy reuses one output buffer (``out=``), CuPy runs one elementwise
kernel (one launch instead of three), the strict backend evaluates the plain formula.
The engine calls these only through primitives whose own VJPs are written in Tensor
operations, so fusing never costs differentiability.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_cupy_kernels: dict[str, Any] = {}


def _cupy_kernel(name: str):
    kernel = _cupy_kernels.get(name)
    if kernel is None:
        import cupy

        if name == "tanh_backward":
            kernel = cupy.ElementwiseKernel("T g, T y", "T z", "z = g * (1 - y * y)", "minigan_tanh_backward")
        _cupy_kernels[name] = kernel
    return kernel


def tanh_backward(g: Any, y: Any) -> Any:
    """g · (1 − y²): the VJP of y = tanh(x), from the output y."""
    if type(y) is np.ndarray and type(g) is np.ndarray and g.shape == y.shape and y.ndim:
        result = np.multiply(y, y)
        np.subtract(1.0, result, out=result)
        np.multiply(result, g, out=result)
        return result
    if type(y).__module__.startswith("cupy"):
        return _cupy_kernel("tanh_backward")(g, y)
    return g * (1.0 - y * y)
