"""The Tensor: an array of the active backend plus the record of how it was made.

A tensor made by a primitive remembers its *parents* (the primitive's arguments), the
primitive itself and the primitive's keyword parameters. That is the whole graph: there
are no separate node objects, and a tensor points only backwards, so the graph frees
itself by reference counting as soon as nothing downstream holds it.

Recording happens only when grad mode is on (see :func:`no_grad`) and at least one
argument requires grad, so inference and the non-create_graph backward pass build no
graph at all.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from minigan import backend
from minigan import backend as _backends  # where a parameter is called `backend`

__all__ = ["Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "set_default_dtype",
           "get_default_dtype", "ShapeError", "DTypeError"]


class ShapeError(ValueError):
    """Operands whose shapes do not fit the operation (the message names both shapes)."""


class DTypeError(TypeError):
    """Two tensors of different floating dtypes met in one operation."""


class _GradMode:
    enabled = True


def is_grad_enabled() -> bool:
    return _GradMode.enabled


@contextlib.contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    previous = _GradMode.enabled
    _GradMode.enabled = enabled
    try:
        yield
    finally:
        _GradMode.enabled = previous


def no_grad():
    """Context manager: operations inside record no graph (like ``torch.no_grad``)."""
    return _grad_mode(False)


def enable_grad():
    """Context manager: turn recording back on inside a ``no_grad`` block."""
    return _grad_mode(True)


_default_dtype = "float32"


def set_default_dtype(dtype: Any) -> None:
    """Dtype for tensors made from Python numbers, lists and integer arrays (float32 as in PyTorch)."""
    global _default_dtype
    name = str(backend.xp().dtype(dtype))
    if name not in ("float16", "float32", "float64"):
        raise ValueError(f"default dtype must be a floating dtype, got {name}")
    _default_dtype = name


def get_default_dtype() -> str:
    return _default_dtype


class _Freed:
    """Stands in for the primitive of a tensor whose graph ``backward`` has freed."""

    name = "<freed>"


FREED = _Freed()


class Tensor:
    """An n-dimensional array that can remember how it was computed.

    Attributes:
        data: the array (NumPy, CuPy or strict), never a Python scalar.
        grad: the accumulated gradient (a Tensor) after ``backward()``; None before.
        requires_grad: whether operations on it are recorded.
    """

    __slots__ = ("data", "grad", "_requires_grad", "_parents", "_primitive", "_params", "__weakref__")
    # With __array_ufunc__ = None, NumPy's operators return NotImplemented for a Tensor
    # operand, so numpy_array * tensor becomes Tensor.__rmul__ (not an object array of
    # elementwise products); __array_priority__ does the same for array types that consult
    # it instead (CuPy's operators, np.matrix).
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False):
        if requires_grad:
            _check_floating(data)
        self.data = data
        self.grad: Tensor | None = None
        self._requires_grad = requires_grad
        self._parents: tuple = ()
        self._primitive: Any = None
        self._params: dict | None = None

    # ------------------------------------------------------------- properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def requires_grad(self) -> bool:
        """Whether operations on this tensor are recorded (settable on a floating tensor,
        like ``torch.Tensor.requires_grad``; the engine reads the slot ``_requires_grad``)."""
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag:
            _check_floating(self.data)
        elif not self.is_leaf:
            raise RuntimeError("requires_grad can only be turned off on a leaf tensor; use .detach() instead")
        self._requires_grad = bool(flag)

    @property
    def is_leaf(self) -> bool:
        return self._primitive is None

    @property
    def backend(self) -> str:
        return backend.backend_of(self.data)

    @property
    def op_name(self) -> str | None:
        """The name of the primitive that made this tensor ("matmul", "tanh", …); None for
        a leaf, "<freed>" once ``backward`` has freed its graph."""
        return None if self._primitive is None else self._primitive.name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from, in argument order (constants such as
        Python numbers left out); empty for a leaf. With :attr:`op_name` this is the public
        way to walk the recorded graph (see ``minigan.autodiff.graph_nodes``)."""
        return tuple(parent for parent in self._parents if isinstance(parent, Tensor))

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        grad = ", requires_grad=True" if self.requires_grad else ""
        made_by = f", made_by={self._primitive.name}" if self._primitive is not None else ""
        return f"tensor({backend.to_host(self.data)!r}{grad}{made_by})"

    # -------------------------------------------------------------- transfers
    def numpy(self):
        """A host NumPy array with this tensor's values (copies from the GPU)."""
        return backend.to_host(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(f"item() needs a one-element tensor, got shape {self.shape}")
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __bool__(self):
        raise TypeError("the truth value of a Tensor is ambiguous; compare .item() or use .data")

    def detach(self) -> Tensor:
        """The same data, cut from the graph (shares memory, like ``torch.Tensor.detach``)."""
        return Tensor(self.data)

    def requires_grad_(self, flag: bool = True) -> Tensor:
        if not self.is_leaf:
            raise RuntimeError("requires_grad_ can only be set on a leaf tensor; use .detach() first")
        self.requires_grad = flag
        return self

    def to(self, dtype: Any = None, *, backend: str | None = None) -> Tensor:
        """This tensor in ``dtype`` and/or on ``backend`` ("numpy", "strict", "cupy"), with
        the arguments of ``Module.to`` (which converts a module's parameters in place; a
        tensor is returned new, as in PyTorch, or itself when nothing changes). A dtype
        change keeps the gradient flowing (:meth:`astype`); a move to another backend
        copies the data into a new leaf (like :meth:`numpy`), outside the graph."""
        result = self
        if backend is not None and backend != self.backend:
            result = Tensor(_backends.asarray(self.data, backend=backend))
        if dtype is not None and _backends.namespace_of(result.data).dtype(dtype) != result.dtype:
            result = result.astype(dtype)
        return result

    def float(self) -> Tensor:
        return self.astype("float32")

    def double(self) -> Tensor:
        return self.astype("float64")

    # ------------------------------------------------------------ autodiff
    # .backward(gradient=None, retain_graph=None, create_graph=False) is attached by engine.py
    def zero_grad(self) -> None:
        self.grad = None

    # The operators (+ − * / ** @ unary −, indexing, comparisons) and the methods that are
    # primitives (.sum .mean .reshape .transpose .T .mT .astype .exp .log .tanh .sqrt .relu
    # .sigmoid) are attached in one block at the end of primitives.py, beside the table.


def _check_floating(data: Any) -> None:
    if data.dtype.kind != "f":
        raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype} "
                        f"(shape {data.shape}); convert with .astype('float32') first")


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a leaf tensor on the active backend.

    Python numbers, lists, integer and boolean arrays become the default dtype
    (float32); floating arrays keep their dtype unless ``dtype`` is given. A Tensor
    argument is copied (detached), as ``torch.tensor`` does.
    """
    if isinstance(data, Tensor):
        data = data.data
    if data is None or (isinstance(data, list | tuple) and _contains_none(data)):
        raise TypeError("tensor(None): None is not a number; give numbers, nested lists of numbers or an array")
    module = backend.xp()
    from_array = backend.is_array(data)
    if from_array and backend.backend_of(data) == backend.name():
        array = data.copy()
    else:
        array = backend.asarray(data)
        if array is data:
            array = array.copy()
    if dtype is not None:
        array = array.astype(module.dtype(dtype) if isinstance(dtype, str) else dtype, copy=False)
    elif not from_array or array.dtype.kind not in "f":
        if array.dtype.kind == "c":
            raise TypeError("minigan tensors are real-valued; got complex data")
        array = array.astype(_default_dtype)
    return Tensor(array, requires_grad=requires_grad)


def _contains_none(items: list | tuple) -> bool:
    return any(item is None or (isinstance(item, list | tuple) and _contains_none(item)) for item in items)


def __getattr__(name: str) -> Any:
    # Primitive moved to primitives.py (the head of the table); this keeps the old import
    # path ``from minigan.autodiff.tensor import Primitive`` working.
    if name == "Primitive":
        from minigan.autodiff.primitives import Primitive

        return Primitive
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
