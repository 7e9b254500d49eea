"""Every primitive of the engine, each forward rule beside its backward rule. Read it as a table.

A row is ``name = Primitive("name", forward, vjp)``:

* ``forward(xp, *arrays, **params)`` computes the output on raw arrays with the array
  module ``xp`` (NumPy, CuPy or strict) — a plain expression such as ``a + b``;
* ``vjp(needs, g, out, *args, **params)`` maps the gradient ``g`` of the output to one
  gradient per argument, written with **Tensor** operations, so that running the
  backward pass with recording on (``create_graph=True``) builds a graph that can be
  differentiated again. That is all double backprop (the WGAN-GP penalty) needs.
  ``needs[i]`` says whether argument i's gradient is wanted; the engine's walk decides it
  (the penalty's ``grad(D(x̂), x̂)`` wants x̂'s, not the weights'), and a VJP returns None
  for an argument it is not needed for, which saves the work.

Broadcasting: binary operations follow NumPy's rules; their VJPs sum the gradient back
to each argument's shape (``sum_to_shape``).

A few rows name a ``kernel``: a faster way to compute the very same numbers on host NumPy
arrays (``minigan.backend.kernels``: several threads for large arrays when the user asks
for them, cache-friendly strips for adding matrices of mixed memory order). The kernel
decides by size itself, in one place (``kernels._on_threads``), and falls back to the
plain expression; on CuPy and strict arrays the row's own forward runs. A test checks
every kernel against its row's forward.

The helpers the rules share (axes, indices, ``sum_to_shape``) are in ``_helpers.py``;
the public functions (composites such as ``norm`` and ``logsigmoid`` included) in
``functions.py``; the operators and methods of Tensor are attached in one block at the
end of this file.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from minigan import backend
from minigan.autodiff._helpers import (
    SCALARS,
    as_constant,
    as_index,
    expand_dims,
    has_array_index,
    has_boolean_index,
    mean,
    normalize_axes,
    squeeze,
    sum_to_shape,
)
from minigan.autodiff.tensor import DTypeError, ShapeError, Tensor, _GradMode
from minigan.backend import _NAMESPACE_BY_TYPE, kernels

Needs = tuple[bool, ...]


class Primitive:
    """An operation with a forward rule on arrays and a backward rule (VJP) on Tensors.

    ``forward(xp, *arrays, **params)`` computes the output array with the array module
    ``xp``. ``vjp(needs, g, out, *args, **params)`` returns one gradient per argument
    (None where ``needs`` is false), written with Tensor operations, so that the backward
    pass is itself differentiable (double backprop). ``kernel``, if given, computes the
    same numbers as ``forward`` on host NumPy arrays, faster (see the module docstring).

    A VJP written in the earlier form ``vjp(g, out, *args, **params)`` (its first
    parameter not named ``needs``) is accepted too: it computes every gradient, and the
    engine drops those not needed. :attr:`vjp` reads and sets the rule in that form.
    """

    __slots__ = ("name", "forward", "backward", "kernel")

    def __init__(self, name: str, forward: Callable, vjp: Callable, kernel: Callable | None = None):
        self.name = name
        self.forward = forward
        self.backward = _as_needs_rule(vjp)  # always vjp(needs, g, out, *args, **params)
        self.kernel = kernel

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"

    @property
    def vjp(self) -> Callable:
        """The backward rule as ``vjp(g, out, *args, **params)``, computing the gradient of
        every argument that requires grad. The VJP exercises read and replace it."""
        rule = self.backward

        def vjp(g: Tensor, out: Tensor, *args: Any, **params: Any) -> tuple:
            needs = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
            return rule(needs, g, out, *args, **params)

        vjp._needs_rule = rule  # type: ignore[attr-defined]  # setting it back restores the rule itself
        return vjp

    @vjp.setter
    def vjp(self, rule: Callable) -> None:
        self.backward = getattr(rule, "_needs_rule", None) or _as_needs_rule(rule)

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
                if argument._requires_grad:
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
        entry = _NAMESPACE_BY_TYPE.get(type(reference_data)) or backend.namespace_entry(reference_data)
        module = entry[1]
        # the one place a kernel is chosen over the plain expression: host NumPy arrays only
        rule = self.forward if self.kernel is None or entry[0] != "numpy" else self.kernel
        try:
            out = rule(module, *arrays, **params)
        except ValueError as error:
            shapes = " and ".join(str(getattr(a, "shape", type(a).__name__)) for a in arrays)
            raise ShapeError(f"{self.name}: operands of shapes {shapes} do not fit: {error}") from None
        if type(out) is not type(reference_data):
            out = module.asarray(out)
        result = Tensor(out)
        if requires_grad and _GradMode.enabled:
            result._requires_grad = True
            result._parents = args
            result._primitive = self
            result._params = params
        return result


def _as_needs_rule(vjp: Callable) -> Callable:
    """``vjp`` as a rule ``(needs, g, out, *args, **params)``; an earlier-form rule
    ``(g, out, *args, **params)`` is wrapped (it ignores ``needs``)."""
    try:
        first = next(iter(inspect.signature(vjp).parameters), None)
    except (TypeError, ValueError):  # a callable without a signature: take it as the earlier form
        first = None
    if first == "needs":
        return vjp

    def rule(needs: Needs, g: Tensor, out: Tensor, *args: Any, **params: Any) -> Any:
        return vjp(g, out, *args, **params)

    return rule


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


# ============================================================================ the table
# ----------------------------------------------------------------------- arithmetic
add = Primitive(
    "add", lambda xp, a, b: a + b,
    lambda needs, g, out, a, b: (sum_to_shape(g, a.shape) if needs[0] else None,
                                 sum_to_shape(g, b.shape) if needs[1] else None),
    kernel=kernels.add)

sub = Primitive(
    "sub", lambda xp, a, b: a - b,
    lambda needs, g, out, a, b: (sum_to_shape(g, a.shape) if needs[0] else None,
                                 sum_to_shape(-g, b.shape) if needs[1] else None),
    kernel=kernels.subtract)

# d(ab) = b da + a db
mul = Primitive(
    "mul", lambda xp, a, b: a * b,
    lambda needs, g, out, a, b: (sum_to_shape(g * b, a.shape) if needs[0] else None,
                                 sum_to_shape(g * a, b.shape) if needs[1] else None),
    kernel=kernels.multiply)

# d(a/b) = da / b − (a/b) db / b
div = Primitive(
    "div", lambda xp, a, b: a / b,
    lambda needs, g, out, a, b: (sum_to_shape(g / b, a.shape) if needs[0] else None,
                                 sum_to_shape(-g * out / b, b.shape) if needs[1] else None))

neg = Primitive("neg", lambda xp, a: -a, lambda needs, g, out, a: (-g,), kernel=kernels.negative)


def _power_forward(xp: Any, base: Any, exponent: Any) -> Any:
    # b·b for the square: exact, and faster than the general power
    return base * base if type(exponent) is int and exponent == 2 else base**exponent


def _power_vjp(needs: Needs, g: Tensor, out: Tensor, base: Any, exponent: Any) -> tuple:
    """d(bᵉ) = e·bᵉ⁻¹ db + bᵉ·ln b de, each summed back to its argument's shape.

    The base or the exponent may be a Tensor, a Python number, a list or an array.
    Where the formulas give 0·∞ the derivative still exists, and the value PyTorch
    gives is returned: d(b⁰)/db = 0 (also at b = 0, so every derivative of b¹ is
    finite there), and d(bᵉ)/de = 0 at b = 0 for e ≥ 0 (bᵉ is constant in e there,
    from the side of e > 0). A negative base gives a NaN derivative in e, as in PyTorch.
    """
    grad_base = grad_exponent = None
    if needs[0]:
        grad_base = sum_to_shape(g * _power_slope(base, exponent), base.shape)
    if needs[1]:
        grad_exponent = sum_to_shape(g * out * _log_of_base(base, exponent), exponent.shape)
    return grad_base, grad_exponent


def _power_slope(base: Tensor, exponent: Any) -> Tensor:
    """e·bᵉ⁻¹, with the 0·0⁻¹ of e = 0 at b = 0 taken as 0."""
    if type(exponent) in SCALARS:
        if exponent == 0:
            return Tensor(backend.namespace_of(base.data).zeros(base.shape, dtype=base.dtype))
        if exponent == 2:
            return 2.0 * base
        return exponent * base ** (exponent - 1)
    # Where e = 0 (at b = 0 for a variable e) bᵉ⁻¹ may be 0⁻¹ = ∞: take the power with
    # exponent 1 there instead, and the factor e = 0 makes the slope 0, with no NaN in
    # any further derivative.
    e = exponent if isinstance(exponent, Tensor) else Tensor(as_constant(exponent, base.data))
    zero = e.data == 0
    if isinstance(exponent, Tensor):
        zero = zero & (base.data == 0)
    return e * base ** where(zero, 1.0, e - 1.0)


def _log_of_base(base: Any, exponent: Tensor) -> Tensor:
    """ln b, with 0 where b = 0 and e ≥ 0 (there bᵉ·ln b is 0·(−∞): PyTorch's value 0)."""
    b = base if isinstance(base, Tensor) else Tensor(as_constant(base, exponent.data))
    zero = (b.data == 0) & (exponent.data >= 0)
    if isinstance(base, Tensor):
        return log(where(zero, 1.0, b))
    xp = backend.namespace_of(b.data)
    with backend.ignore_float_errors():  # ln of a negative constant is NaN, as in PyTorch
        return Tensor(xp.where(zero, 0.0, xp.log(b.data)).astype(b.dtype))


power = Primitive("pow", _power_forward, _power_vjp)


# -------------------------------------------------------------------- linear algebra
def _matmul_forward(xp: Any, a: Any, b: Any) -> Any:
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs operands with at least one dimension (use * for scalars)")
    return xp.matmul(a, b)


def _matmul_vjp(needs: Needs, g: Tensor, out: Tensor, a: Tensor, b: Tensor) -> tuple:
    """C = A @ B  ⇒  dA = G Bᵀ, dB = Aᵀ G, with 1-D operands treated as NumPy does
    (a vector on the left is a row, on the right a column) and batch axes broadcast."""
    grad_a = grad_b = None
    if a.ndim == 1 and b.ndim == 1:  # inner product: out is a scalar
        return (g * b if needs[0] else None, g * a if needs[1] else None)
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        g_row = expand_dims(g, -2)  # (..., 1, n)
        if needs[0]:
            grad_a = sum_to_shape(squeeze(g_row @ swap_last_axes(b), -2), a.shape)
        if needs[1]:
            grad_b = sum_to_shape(expand_dims(a, -1) * g_row, b.shape)
        return grad_a, grad_b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        g_column = expand_dims(g, -1)  # (..., m, 1)
        if needs[0]:
            grad_a = sum_to_shape(g_column * b, a.shape)
        if needs[1]:
            grad_b = sum_to_shape(squeeze(swap_last_axes(a) @ g_column, -1), b.shape)
        return grad_a, grad_b
    if needs[0]:
        grad_a = sum_to_shape(g @ swap_last_axes(b), a.shape)
    if needs[1]:
        grad_b = sum_to_shape(swap_last_axes(a) @ g, b.shape)
    return grad_a, grad_b


matmul = Primitive("matmul", _matmul_forward, _matmul_vjp, kernel=kernels.matmul)


def _linear_forward(xp: Any, x: Any, weight: Any, bias: Any) -> Any:
    # (W xᵀ)ᵀ rather than x Wᵀ: the same product, but the very BLAS call the layer made when
    # it was a matmul between two transposes, so trained networks stay bit for bit the same
    y = xp.matmul(weight, x.swapaxes(-1, -2)).swapaxes(-1, -2)
    return y if bias is None else y + bias


def _linear_vjp(needs: Needs, g: Tensor, out: Tensor, x: Tensor, weight: Tensor, bias: Tensor | None) -> tuple:
    """y = x Wᵀ + b (x of shape (..., in), W (out, in), b (out,))  ⇒
    dx = g W,  dW = gᵀ x summed over every batch axis,  db = g summed over them.

    dx is computed as linear(g, Wᵀ) = (Wᵀ gᵀ)ᵀ (bit for bit the earlier matmul's), and
    dW = gᵀx comes out in W's own (C) memory order, which the optimizer's elementwise
    updates need to run fast. One node instead of four (two transposes, a matmul, an
    add) keeps the graph of an MLP, and its double backprop, small."""
    grad_x = linear(g, swap_last_axes(weight), None) if needs[0] else None
    grad_weight = None
    if needs[1]:
        rows_g, rows_x = (g, x) if g.ndim == 2 else (g.reshape((-1, g.shape[-1])), x.reshape((-1, x.shape[-1])))
        grad_weight = swap_last_axes(rows_g) @ rows_x
    grad_bias = sum_to_shape(g, bias.shape) if needs[2] else None
    return grad_x, grad_weight, grad_bias


# The affine map of nn.Linear for a batch x (x.ndim ≥ 2); bias may be None.
def _linear_kernel(xp: Any, x: Any, weight: Any, bias: Any) -> Any:
    # the same product as the forward, with BLAS's threads chosen by its size (kernels.matmul)
    y = kernels.matmul(xp, weight, x.swapaxes(-1, -2)).swapaxes(-1, -2)
    return y if bias is None else y + bias


linear = Primitive("linear", _linear_forward, _linear_vjp, kernel=_linear_kernel)


# ------------------------------------------------------------------------ reductions
def _sum_forward(xp: Any, a: Any, axis: Any = None, keepdims: bool = False) -> Any:
    if axis is not None:
        normalize_axes(axis, a.ndim)  # NumPy's own message does not name the shape
    return a.sum(axis=axis, keepdims=keepdims)


def _sum_vjp(needs: Needs, g: Tensor, out: Tensor, a: Tensor, axis: Any = None, keepdims: bool = False) -> tuple:
    # Every input element contributes once to its sum: spread g back over the summed axes.
    if not keepdims:
        axes = normalize_axes(axis, a.ndim)
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return (broadcast_to(g, shape=a.shape),)


sum = Primitive("sum", _sum_forward, _sum_vjp)

broadcast_to = Primitive(
    "broadcast_to", lambda xp, a, shape: xp.broadcast_to(a, shape),
    lambda needs, g, out, a, shape: (sum_to_shape(g, a.shape),))


# ------------------------------------------------------------------- shape movements
reshape = Primitive(
    "reshape", lambda xp, a, shape: a.reshape(shape),
    lambda needs, g, out, a, shape: (g.reshape(a.shape),))


def _inverse_permutation(axes: tuple[int, ...] | None) -> tuple[int, ...] | None:
    if axes is None:  # reversing the axes is its own inverse
        return None
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return tuple(inverse)


transpose = Primitive(
    "transpose", lambda xp, a, axes=None: xp.transpose(a, axes),
    lambda needs, g, out, a, axes=None: (transpose(g, axes=_inverse_permutation(axes)),))

swap_last_axes = Primitive(
    "swap_last_axes", lambda xp, a: a.swapaxes(-1, -2),
    lambda needs, g, out, a: (swap_last_axes(g),))

getitem = Primitive(
    "getitem", lambda xp, a, index: a[index],
    lambda needs, g, out, a, index: (index_backward(g, index=index, shape=a.shape),))


def _index_backward_forward(xp: Any, g: Any, index: Any, shape: tuple[int, ...]) -> Any:
    # Zeros of the input's shape with g put back where the elements were taken from.
    # Integer-array indices may repeat an element: those contributions must add up.
    grad = xp.zeros(shape, dtype=g.dtype)
    if has_array_index(index) and not has_boolean_index(index):
        backend.scatter_add(grad, index, g)
    else:
        grad[index] = g
    return grad


# getitem's VJP: a scatter, itself differentiable (its VJP is getitem again)
index_backward = Primitive(
    "index_backward", _index_backward_forward,
    lambda needs, gg, out, g, index, shape: (getitem(gg, index=index),))


def _concatenate_vjp(needs: Needs, g: Tensor, out: Tensor, *tensors: Tensor, axis: int = 0) -> tuple:
    grads, offset = [], 0
    for need, t in zip(needs, tensors):
        n = t.shape[axis]
        if need:
            index = [slice(None)] * g.ndim
            index[axis] = slice(offset, offset + n)
            grads.append(getitem(g, index=tuple(index)))
        else:
            grads.append(None)
        offset += n
    return tuple(grads)


concatenate = Primitive(
    "concatenate", lambda xp, *arrays, axis=0: xp.concatenate(arrays, axis=axis), _concatenate_vjp)

astype = Primitive(
    "astype", lambda xp, a, dtype: a.astype(dtype),
    lambda needs, g, out, a, dtype: (astype(g, dtype=a.dtype),))


# -------------------------------------------------------------------- elementwise maps
exp = Primitive("exp", lambda xp, a: xp.exp(a), lambda needs, g, out, a: (g * out,))

log = Primitive("log", lambda xp, a: xp.log(a), lambda needs, g, out, a: (g / a,))

# tanh' = 1 − tanh², from the output; written with Tensor operations, so its own
# derivative (for double backprop) comes from mul and sub
tanh = Primitive("tanh", lambda xp, a: xp.tanh(a), lambda needs, g, out, a: (g * (1.0 - out * out),),
                 kernel=kernels.tanh)

# σ(x) = exp(−softplus(−x)): no overflow for any x, full relative accuracy in both tails; σ' = σ (1 − σ)
sigmoid = Primitive("sigmoid", lambda xp, a: xp.exp(-xp.logaddexp(0.0, -a)),
                    lambda needs, g, out, a: (g * (out * (1.0 - out)),))

# softplus(x) = log(1 + eˣ), computed as logaddexp(0, x): exact and overflow-free; softplus' = σ
softplus = Primitive("softplus", lambda xp, a: xp.logaddexp(0.0, a), lambda needs, g, out, a: (g * sigmoid(a),))

# √a' = 1 / (2√a), from the output
sqrt = Primitive("sqrt", lambda xp, a: xp.sqrt(a), lambda needs, g, out, a: (g * 0.5 / out,))

# relu' is the step function (a constant to any further differentiation)
relu = Primitive("relu", lambda xp, a: xp.maximum(a, 0),
                 lambda needs, g, out, a: (g * (a.data > 0).astype(a.dtype),))

# slope 1 for x > 0, negative_slope otherwise (a constant, like relu's step)
leaky_relu = Primitive(
    "leaky_relu", lambda xp, a, negative_slope=0.01: xp.where(a > 0, a, a * negative_slope),
    lambda needs, g, out, a, negative_slope=0.01:
        (g * backend.namespace_of(a.data).where(a.data > 0, 1.0, negative_slope).astype(a.dtype),))

# |a|' = sign(a) (0 at 0, as in PyTorch)
abs = Primitive("abs", lambda xp, a: xp.abs(a),
                lambda needs, g, out, a: (g * backend.namespace_of(a.data).sign(a.data),))


def _extremum_vjp(needs: Needs, g: Tensor, out: Tensor, a: Any, b: Any, larger: bool) -> tuple:
    # The gradient goes to the selected argument; at a tie it is split in half, so that
    # maximum(x, x) = x keeps derivative 1 and maximum(x, y) at x = y gets ½ each (PyTorch's).
    xp = backend.namespace_of(out.data)
    a_data = a.data if isinstance(a, Tensor) else a
    b_data = b.data if isinstance(b, Tensor) else b
    wins = (a_data > b_data) if larger else (a_data < b_data)
    share = xp.broadcast_to(wins.astype(out.dtype) + 0.5 * (a_data == b_data).astype(out.dtype), out.shape)
    return (sum_to_shape(g * share, a.shape) if needs[0] else None,
            sum_to_shape(g * (1.0 - share), b.shape) if needs[1] else None)


maximum = Primitive("maximum", lambda xp, a, b: xp.maximum(a, b),
                    lambda needs, g, out, a, b: _extremum_vjp(needs, g, out, a, b, larger=True))
minimum = Primitive("minimum", lambda xp, a, b: xp.minimum(a, b),
                    lambda needs, g, out, a, b: _extremum_vjp(needs, g, out, a, b, larger=False))


def _where_vjp(needs: Needs, g: Tensor, out: Tensor, condition: Any, a: Any, b: Any) -> tuple:
    chosen = backend.namespace_of(out.data).broadcast_to(condition, out.shape).astype(out.dtype)
    return (None,
            sum_to_shape(g * chosen, a.shape) if needs[1] else None,
            sum_to_shape(g * (1.0 - chosen), b.shape) if needs[2] else None)


# the condition is a boolean array: no gradient
where = Primitive("where", lambda xp, condition, a, b: xp.where(condition, a, b), _where_vjp)

# The table, by name (the test that every primitive has a gradcheck row reads it).
TABLE: dict[str, Primitive] = {value.name: value for value in list(globals().values()) if isinstance(value, Primitive)}


# ======================================================= Tensor's operators and methods
def _reshape(self: Tensor, *shape: Any) -> Tensor:
    if len(shape) == 1 and isinstance(shape[0], tuple | list):
        shape = tuple(shape[0])
    return reshape(self, shape=shape)


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    if len(axes) == 1 and isinstance(axes[0], tuple | list):
        axes = tuple(axes[0])
    return transpose(self, axes=axes or None)


def _astype(self: Tensor, dtype: Any) -> Tensor:
    """This tensor's values in ``dtype``; the gradient flows back through a floating
    cast, while an integer or boolean result leaves the graph (as in PyTorch)."""
    if backend.namespace_of(self.data).dtype(dtype).kind != "f":
        return Tensor(self.data.astype(dtype))
    return astype(self, dtype=dtype)


def _raw(value: Any) -> Any:
    return value.data if isinstance(value, Tensor) else value


Tensor.__add__ = lambda self, other: add(self, other)
Tensor.__radd__ = lambda self, other: add(other, self)
Tensor.__sub__ = lambda self, other: sub(self, other)
Tensor.__rsub__ = lambda self, other: sub(other, self)
Tensor.__mul__ = lambda self, other: mul(self, other)
Tensor.__rmul__ = lambda self, other: mul(other, self)
Tensor.__truediv__ = lambda self, other: div(self, other)
Tensor.__rtruediv__ = lambda self, other: div(other, self)
Tensor.__pow__ = lambda self, exponent: power(self, exponent)
Tensor.__rpow__ = lambda self, base: power(base, self)
Tensor.__matmul__ = lambda self, other: matmul(self, other)
Tensor.__rmatmul__ = lambda self, other: matmul(other, self)
Tensor.__neg__ = lambda self: neg(self)
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = lambda self: abs(self)
Tensor.__getitem__ = lambda self, index: getitem(self, index=as_index(index, self.data))
# comparisons give plain boolean arrays: they have no gradient
Tensor.__lt__ = lambda self, other: self.data < _raw(other)
Tensor.__le__ = lambda self, other: self.data <= _raw(other)
Tensor.__gt__ = lambda self, other: self.data > _raw(other)
Tensor.__ge__ = lambda self, other: self.data >= _raw(other)
Tensor.sum = lambda self, axis=None, keepdims=False: sum(self, axis=axis, keepdims=keepdims)
Tensor.mean = mean
Tensor.reshape = _reshape
Tensor.transpose = _transpose
Tensor.T = property(lambda self: transpose(self, axes=None))
Tensor.mT = property(lambda self: swap_last_axes(self))
Tensor.astype = _astype
Tensor.exp = lambda self: exp(self)
Tensor.log = lambda self: log(self)
Tensor.tanh = lambda self: tanh(self)
Tensor.sqrt = lambda self: sqrt(self)
Tensor.relu = lambda self: relu(self)
Tensor.sigmoid = lambda self: sigmoid(self)
