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
from minigan.backend import _NAMESPACE_BY_TYPE

__all__ = ["Tensor", "tensor", "no_grad", "enable_grad", "is_grad_enabled", "set_default_dtype",
           "get_default_dtype", "Primitive", "ShapeError", "DTypeError"]


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

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_primitive", "_params", "__weakref__")
    __array_priority__ = 1000  # numpy_array * tensor → Tensor.__rmul__, not elementwise object arrays
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False):
        if requires_grad:
            _check_floating(data)
        self.data = data
        self.grad: Tensor | None = None
        self.requires_grad = requires_grad
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
        if flag:
            _check_floating(self.data)
        self.requires_grad = flag
        return self

    def astype(self, dtype: Any) -> Tensor:
        """This tensor's values in ``dtype``; the gradient flows back through a floating
        cast, while an integer or boolean result leaves the graph (as in PyTorch)."""
        if backend.namespace_of(self.data).dtype(dtype).kind != "f":
            return Tensor(self.data.astype(dtype))
        return _ops.astype(self, dtype=dtype)

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
    def backward(self, gradient: Tensor | Any = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch semantics).

        ``gradient`` is required unless ``self`` has one element. The graph is freed
        afterwards unless ``retain_graph`` (default: ``create_graph``) is true.
        """
        from minigan.autodiff.engine import backward

        backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
                 create_graph=create_graph)

    def zero_grad(self) -> None:
        self.grad = None

    # ------------------------------------------------------------ operators
    def __add__(self, other):
        return _ops.add(self, other)

    def __radd__(self, other):
        return _ops.add(other, self)

    def __sub__(self, other):
        return _ops.sub(self, other)

    def __rsub__(self, other):
        return _ops.sub(other, self)

    def __mul__(self, other):
        return _ops.mul(self, other)

    def __rmul__(self, other):
        return _ops.mul(other, self)

    def __truediv__(self, other):
        return _ops.div(self, other)

    def __rtruediv__(self, other):
        return _ops.div(other, self)

    def __pow__(self, exponent):
        return _ops.power(self, exponent)

    def __rpow__(self, base):
        return _ops.power(base, self)

    def __matmul__(self, other):
        return _ops.matmul(self, other)

    def __rmatmul__(self, other):
        return _ops.matmul(other, self)

    def __neg__(self):
        return _ops.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return _ops.abs(self)

    def __getitem__(self, index):
        return _ops.getitem(self, index=_ops.as_index(index, self.data))

    # comparisons give plain boolean arrays: they have no gradient
    def __lt__(self, other):
        return self.data < _raw(other)

    def __le__(self, other):
        return self.data <= _raw(other)

    def __gt__(self, other):
        return self.data > _raw(other)

    def __ge__(self, other):
        return self.data >= _raw(other)

    # ------------------------------------------------------------- methods
    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        return _ops.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        return _ops.mean(self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return _ops.reshape(self, shape=shape)

    def transpose(self, *axes) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return _ops.transpose(self, axes=axes or None)

    @property
    def T(self) -> Tensor:
        return _ops.transpose(self, axes=None)

    @property
    def mT(self) -> Tensor:
        return _ops.swap_last_axes(self)

    def exp(self) -> Tensor:
        return _ops.exp(self)

    def log(self) -> Tensor:
        return _ops.log(self)

    def tanh(self) -> Tensor:
        return _ops.tanh(self)

    def sqrt(self) -> Tensor:
        return _ops.sqrt(self)

    def relu(self) -> Tensor:
        return _ops.relu(self)

    def sigmoid(self) -> Tensor:
        return _ops.sigmoid(self)


def _check_floating(data: Any) -> None:
    if data.dtype.kind != "f":
        raise TypeError(f"only floating-point tensors can require gradients, got dtype {data.dtype} "
                        f"(shape {data.shape}); convert with .astype('float32') first")


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


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


class Primitive:
    """An operation with a forward rule on arrays and a backward rule (VJP) on Tensors.

    ``forward(xp, *arrays, **params)`` computes the output array with the array module
    ``xp``. ``vjp(g, out, *args, **params)`` returns one gradient per argument (or None
    for arguments with no gradient), written with Tensor operations, so that the
    backward pass is itself differentiable (double backprop).
    """

    __slots__ = ("name", "forward", "vjp")

    def __init__(self, name: str, forward, vjp):
        self.name = name
        self.forward = forward
        self.vjp = vjp

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    def __call__(self, *args: Any, **params: Any) -> Tensor:
        # The hot path of the whole engine (every operation passes here): one pass over the
        # arguments, no helper calls unless something is unusual.
        reference_data = None
        requires_grad = False
        has_constants = False
        arrays = []
        for argument in args:
            if isinstance(argument, Tensor):
                data = argument.data
                if reference_data is None:
                    reference_data = data
                elif type(data) is not type(reference_data) or (
                        data.dtype is not reference_data.dtype and data.dtype != reference_data.dtype):
                    # (`is` first: equal dtypes are nearly always one shared object, and == is slower)
                    _check_compatible(self.name, reference_data, data)
                if argument.requires_grad:
                    requires_grad = True
                arrays.append(data)
            else:
                has_constants = True
                arrays.append(argument)
        if reference_data is None:
            raise TypeError(f"{self.name}: expected at least one Tensor argument")
        if has_constants:
            arrays = [a if isinstance(t, Tensor) else _constant(self.name, a, reference_data)
                      for t, a in zip(args, arrays)]
        entry = _NAMESPACE_BY_TYPE.get(type(reference_data))
        module = entry[1] if entry is not None else backend.namespace_of(reference_data)
        try:
            out = self.forward(module, *arrays, **params)
        except ValueError as error:
            shapes = " and ".join(str(getattr(a, "shape", type(a).__name__)) for a in arrays)
            raise ShapeError(f"{self.name}: operands of shapes {shapes} do not fit: {error}") from None
        if type(out) is not type(reference_data):
            out = module.asarray(out)
        result = Tensor(out)
        if requires_grad and _GradMode.enabled:
            result.requires_grad = True
            result._parents = args
            result._primitive = self
            result._params = params
        return result


def _check_compatible(name: str, a: Any, b: Any) -> None:
    if type(a) is not type(b):
        first_backend, second_backend = backend.backend_of(a), backend.backend_of(b)
        if first_backend != second_backend:
            raise backend.BackendMismatchError(
                f"{name}: tensors from two backends, {first_backend} (shape {a.shape}) and "
                f"{second_backend} (shape {b.shape}); move one with minigan.backend.asarray / Tensor.numpy()"
            )
    if a.dtype != b.dtype:
        raise DTypeError(
            f"{name}: dtype mismatch, {a.dtype} (shape {a.shape}) and {b.dtype} (shape {b.shape}); "
            "minigan never changes dtype silently: convert one with .astype()"
        )


_SCALAR_TYPES = (int, float, bool)


def _constant(name: str, value: Any, reference_data: Any) -> Any:
    """A non-Tensor argument in the tensor's dtype, as PyTorch treats a NumPy scalar.

    Python scalars pass as they are (NumPy keeps the tensor's dtype for them), and so do
    NumPy scalars, made Python numbers. Arrays must be on the tensor's backend; integer
    and floating ones take a floating tensor's dtype (a boolean array stays a mask)."""
    if value is None or type(value) in _SCALAR_TYPES or type(value) is tuple or type(value) is slice:
        return value
    if backend.is_host_scalar(value):
        return value.item()
    if backend.is_array(value):
        array_backend = backend.backend_of(value)
        tensor_backend = backend.backend_of(reference_data)
        if array_backend != tensor_backend:
            raise backend.BackendMismatchError(
                f"{name}: a {array_backend} array (shape {value.shape}) mixed with a {tensor_backend} "
                "tensor; move it explicitly with minigan.backend.asarray"
            )
        if value.dtype != reference_data.dtype and value.dtype.kind in "fiu" and reference_data.dtype.kind == "f":
            return value.astype(reference_data.dtype)
        return value
    if isinstance(value, list):
        return backend.asarray(value, dtype=reference_data.dtype, backend=backend.backend_of(reference_data))
    return value


from minigan.autodiff import primitives as _ops  # noqa: E402  (primitives need Tensor defined first)
