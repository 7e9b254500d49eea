"""The small helpers the primitive table's rules share: axes, indices, shapes.

Nothing here is a primitive. The array-level helpers (``normalize_axes``, ``as_index``,
``has_array_index``, ``as_constant``) compute on raw arrays or Python values;
the Tensor-level ones (``sum_to_shape``, ``expand_dims``, ``squeeze``, ``mean``) are
compositions of primitives, reached through Tensor's methods (attached by
``primitives.py``), so their gradients of every order come for free and this module
imports no primitive (no import cycle).
"""

from __future__ import annotations

import builtins
from typing import Any

from minigan import backend
from minigan.autodiff.tensor import Tensor

__all__ = ["normalize_axes", "as_index", "has_array_index", "has_boolean_index", "as_constant",
           "sum_to_shape", "expand_dims", "squeeze", "mean"]

SCALARS = (int, float)


def normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """``axis`` (None, an int or a sequence of ints) as non-negative axes of an ``ndim``-array."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int):
        axis = (axis,)
    axes = []
    for a in axis:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for an array of dimension {ndim}")
        axes.append(a % ndim)
    return tuple(axes)


def as_index(index: Any, data: Any) -> Any:
    """An index in any of NumPy's forms, with lists and Tensors made arrays on ``data``'s backend.

    Integer and boolean lists, arrays and Tensors index as they do in NumPy (a list of
    floats is NumPy's IndexError, here named); slices, integers, None and Ellipsis pass
    through. The result is what the getitem primitive and its VJP (a scatter) use."""
    items = index if isinstance(index, tuple) else (index,)
    converted = tuple(_index_item(item, data) for item in items)
    return converted if isinstance(index, tuple) else converted[0]


def _index_item(item: Any, data: Any) -> Any:
    if isinstance(item, Tensor):
        item = item.data
    elif isinstance(item, list):
        item = backend.asarray(item, backend=backend.backend_of(data))
        if item.size == 0:  # [] selects nothing: NumPy reads it as an empty integer index
            item = item.astype("int64")
    if not backend.is_array(item):
        return item
    if item.ndim and backend.backend_of(item) != backend.backend_of(data):
        raise backend.BackendMismatchError(
            f"getitem: a {backend.backend_of(item)} index array (shape {item.shape}) for a "
            f"{backend.backend_of(data)} tensor; move it explicitly with minigan.backend.asarray"
        )
    if item.dtype.kind not in "iub":
        raise IndexError(f"index arrays must be of integer or boolean type, got {item.dtype} (shape {item.shape})")
    return item


def has_array_index(index: Any) -> bool:
    """Whether an index (as :func:`as_index` returns it) holds an array (advanced indexing)."""
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(backend.is_array(i) for i in items)


def has_boolean_index(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(getattr(i, "dtype", None) is not None and i.dtype.kind == "b" for i in items)


def as_constant(value: Any, like: Any) -> Any:
    """A non-Tensor operand (number, list, array) as an array of ``like``'s backend and dtype."""
    return backend.asarray(value, dtype=like.dtype, backend=backend.backend_of(like))


def sum_to_shape(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Undo broadcasting: sum ``g`` over the axes along which an input of ``shape`` was
    stretched. The VJP of every broadcasting operation ends with this."""
    if g.shape == shape:
        return g
    leading = g.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and g.shape[leading + i] != 1
    )
    summed = g.sum(axis=axes, keepdims=True) if axes else g
    return summed.reshape(shape) if summed.shape != shape else summed


def expand_dims(x: Tensor, axis: int) -> Tensor:
    """Insert an axis of length 1 (a reshape, so its gradient is a reshape back)."""
    shape = list(x.shape)
    shape.insert(axis % (len(shape) + 1), 1)
    return x.reshape(tuple(shape))


def squeeze(x: Tensor, axis: int) -> Tensor:
    """Remove an axis of length 1 (a reshape)."""
    shape = list(x.shape)
    if shape[axis] != 1:
        raise ValueError(f"cannot squeeze axis {axis} of shape {x.shape}")
    del shape[axis]
    return x.reshape(tuple(shape))


def mean(x: Tensor, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis``: (Σ x) · (1/n), n the number of elements summed
    (a sum times a constant, so it needs no VJP of its own)."""
    axes = normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    if count == 0:
        raise ValueError(f"mean of an empty selection (shape {x.shape}, axis {axis})")
    return x.sum(axis=axis, keepdims=keepdims) * (1.0 / count)
