"""The "strict" backend: NumPy arithmetic behind CuPy's manners.

A :class:`StrictArray` wraps a NumPy array and refuses every *implicit* trip to host
NumPy that a ``cupy.ndarray`` refuses:

* ``np.asarray(x)`` / ``np.array(x)`` raise ``TypeError`` (use ``x.get()``, as on CuPy);
* NumPy functions and ufuncs applied to it raise (``__array_ufunc__ = None``);
* mixing with a plain ``numpy.ndarray`` in arithmetic or in a namespace function
  raises, as CuPy does; host data enters only through ``asarray``/``array``;
* ``float()``/``int()``/``bool()`` work only on one-element arrays;
* reductions return 0-d arrays, never NumPy scalars (CuPy's behaviour).

``namespace`` mirrors the NumPy module (``namespace.tanh``, ``namespace.zeros``...),
unwrapping its arguments and wrapping its results, so engine code written against
"the array module" runs unchanged on NumPy, CuPy or here. Slower than NumPy by a
constant per call; it exists for tests, not for speed.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

_HOST_ENTRY = {"asarray", "array", "asanyarray", "ascontiguousarray"}


class StrictHostConversionError(TypeError):
    """A strict array was about to be silently converted to host NumPy."""


def _refuse_host(what: str) -> StrictHostConversionError:
    return StrictHostConversionError(
        f"{what}: implicit conversion between a device array and a host numpy.ndarray is not allowed "
        "(strict backend, which behaves like CuPy). Move data explicitly: "
        "minigan.backend.to_host(x) / x.get() to the host, minigan.backend.asarray(x) to the device."
    )


def _unwrap(value: Any, what: str) -> Any:
    kind = type(value)
    if kind is StrictArray:
        return value._a
    if kind is np.ndarray:
        raise _refuse_host(what)
    if kind is list or kind is tuple:
        return kind(_unwrap(item, what) for item in value)
    return value


def _wrap(value: Any) -> Any:
    kind = type(value)
    if kind is np.ndarray:
        return StrictArray(value)
    if isinstance(value, np.generic) and not isinstance(value, np.dtype):
        return StrictArray(np.asarray(value))
    if kind is tuple or kind is list:
        return kind(_wrap(item) for item in value)
    return value


class StrictArray:
    """A NumPy array that behaves like a ``cupy.ndarray`` towards host NumPy."""

    __slots__ = ("_a",)
    __array_ufunc__ = None  # np.tanh(x), np_array + x: NumPy defers, then we refuse
    __array_function__ = None

    def __init__(self, array: np.ndarray):
        self._a = array

    def __array__(self, dtype: Any = None, copy: Any = None):
        raise _refuse_host("np.asarray(strict array)")

    # -- explicit transfer, as cupy.ndarray.get()
    def get(self) -> np.ndarray:
        return self._a.copy()

    # -- attributes
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: StrictArray(self._a.T))
    mT = property(lambda self: StrictArray(np.swapaxes(self._a, -1, -2)))

    def __repr__(self) -> str:
        return f"strict.{self._a!r}"

    def __len__(self) -> int:
        return len(self._a)

    def __iter__(self):
        for item in self._a:
            yield _wrap(item)

    def _scalar(self, kind: type, what: str):
        if self._a.size != 1:
            raise TypeError(f"{what}() of a strict array of shape {self._a.shape}: only one-element arrays convert")
        return kind(self._a.reshape(()).item())

    def __float__(self) -> float:
        return self._scalar(float, "float")

    def __int__(self) -> int:
        return self._scalar(int, "int")

    def __bool__(self) -> bool:
        return self._scalar(bool, "bool")

    def __complex__(self) -> complex:
        return self._scalar(complex, "complex")

    def item(self):
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    def __getitem__(self, index: Any):
        return _wrap(self._a[_unwrap_index(index)])

    def __setitem__(self, index: Any, value: Any) -> None:
        self._a[_unwrap_index(index)] = _unwrap(value, "strict_array[...] = numpy array")

    def __getattr__(self, attribute: str):
        # Methods (sum, reshape, astype, ...): unwrap arguments, wrap results. Dunder
        # protocols (__array_interface__, __array_struct__, buffers) must not leak through.
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        method = getattr(self._a, attribute)
        if not callable(method):
            return _wrap(method)

        def call(*args, **kwargs):
            what = f"strict_array.{attribute}()"
            return _wrap(method(*_unwrap(args, what), **{k: _unwrap(v, what) for k, v in kwargs.items()}))

        return call

    def __hash__(self):
        raise TypeError("unhashable type: 'StrictArray'")


def _unwrap_index(index: Any) -> Any:
    # Index arrays may come from the host (CuPy accepts NumPy integer/bool index arrays).
    kind = type(index)
    if kind is StrictArray:
        return index._a
    if kind is tuple:
        return tuple(_unwrap_index(item) for item in index)
    return index


def _defers(other: Any) -> bool:
    # An operand that opts out of NumPy's ufuncs (a minigan Tensor) handles the operation
    # itself, as it does with a NumPy or CuPy array on the left.
    return type(other) is not StrictArray and getattr(type(other), "__array_ufunc__", 0) is None


def _binary(op, name: str):
    def forward(self, other):
        if _defers(other):
            return NotImplemented
        return _wrap(op(self._a, _unwrap(other, f"strict array {name} numpy array")))

    def reflected(self, other):
        if _defers(other):
            return NotImplemented
        return _wrap(op(_unwrap(other, f"numpy array {name} strict array"), self._a))

    return forward, reflected


for _name, _op in {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "truediv": operator.truediv,
    "floordiv": operator.floordiv,
    "mod": operator.mod,
    "pow": operator.pow,
    "matmul": operator.matmul,
    "and": operator.and_,
    "or": operator.or_,
    "xor": operator.xor,
}.items():
    _forward, _reflected = _binary(_op, _name)
    setattr(StrictArray, f"__{_name}__", _forward)
    setattr(StrictArray, f"__r{_name}__", _reflected)

for _name, _op in {
    "lt": operator.lt,
    "le": operator.le,
    "gt": operator.gt,
    "ge": operator.ge,
    "eq": operator.eq,
    "ne": operator.ne,
}.items():
    setattr(StrictArray, f"__{_name}__", _binary(_op, _name)[0])


def _inplace(op, name: str):
    def inplace(self, other):
        op(self._a, _unwrap(other, f"strict array {name}= numpy array"))
        return self

    return inplace


_INPLACE = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul, "truediv": operator.itruediv}
for _name, _op in _INPLACE.items():
    setattr(StrictArray, f"__i{_name}__", _inplace(_op, _name))

StrictArray.__neg__ = lambda self: StrictArray(-self._a)
StrictArray.__pos__ = lambda self: StrictArray(+self._a)
StrictArray.__abs__ = lambda self: StrictArray(abs(self._a))
StrictArray.__invert__ = lambda self: StrictArray(~self._a)


class _StrictNamespace:
    """``numpy``'s functions, re-exported so that they take and return strict arrays."""

    def __init__(self, module: Any, prefix: str):
        self._module = module
        self._prefix = prefix

    def __repr__(self) -> str:
        return f"<strict namespace over {self._prefix}>"

    def __getattr__(self, attribute: str):
        target = getattr(self._module, attribute)
        if isinstance(target, type) or not callable(target):
            if hasattr(target, "__name__") and type(target).__name__ == "module":
                wrapped = _StrictNamespace(target, f"{self._prefix}.{attribute}")
                setattr(self, attribute, wrapped)
                return wrapped
            return target
        if attribute in _HOST_ENTRY:
            wrapped = _host_entry(target)
        else:
            wrapped = _device_function(target, f"{self._prefix}.{attribute}")
        setattr(self, attribute, wrapped)  # cache: later lookups skip __getattr__
        return wrapped

    def add_at(self, target: StrictArray, index: Any, values: Any) -> None:
        np.add.at(target._a, _unwrap_index(index), _unwrap(values, "add_at"))


def _host_entry(function):
    def entry(data, *args, **kwargs):
        if type(data) is StrictArray:
            data = data._a
        elif isinstance(data, list | tuple):
            data = [item._a if type(item) is StrictArray else item for item in data]
        return StrictArray(np.array(function(data, *args, **kwargs), copy=True))

    entry.__name__ = function.__name__
    return entry


def _device_function(function, qualified: str):
    what = f"{qualified}() given a host numpy array"

    def call(*args, **kwargs):
        result = function(*_unwrap(args, what), **{k: _unwrap(v, what) for k, v in kwargs.items()})
        return _wrap(result)

    call.__name__ = getattr(function, "__name__", qualified)
    return call


namespace = _StrictNamespace(np, "strict")
