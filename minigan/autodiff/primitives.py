"""Every primitive of the engine, each with its backward rule right beside it.

Read this file like a table. For each operation:

* the *forward* rule ``forward(xp, *arrays, **params)`` computes on raw arrays with
  the array module ``xp`` (NumPy, CuPy or strict);
* the *VJP* ``vjp(g, out, *args, **params)`` maps the gradient ``g`` of the output to
  one gradient per argument, written with **Tensor** operations — so running the
  backward pass with recording on (``create_graph=True``) builds a graph that can be
  differentiated again. That is all double backprop (the WGAN-GP penalty) needs.

A VJP returns None for an argument that needs no gradient (a constant, a Python
number, or a tensor with ``requires_grad=False``), which also saves the work.

Broadcasting: binary operations follow NumPy's rules; their VJPs sum the gradient back
to each argument's shape (:func:`sum_to_shape`).

Three helpers at the end of their sections are composed from primitives and have no VJP
of their own: ``expand_dims`` and ``squeeze`` (reshapes) and ``mean`` (a sum times 1/n).
The public composite functions (``norm``, ``square``, ``logsigmoid``, ``stack``, and the
checked wrappers of ``where`` and ``concatenate``) are in ``functions.py``; the GAN losses
are in ``minigan/gan/losses.py``.
"""

from __future__ import annotations

import builtins
import contextlib
from collections.abc import Iterator
from typing import Any

from minigan import backend
from minigan.autodiff.tensor import Primitive, Tensor
from minigan.backend import kernels


class _Pass:
    """The ids of the tensors the running backward pass wants gradients for (None outside
    a pass). The WGAN-GP penalty's ``grad(D(x̂), x̂)`` wants x̂'s, not the weights': their
    gradients are never computed, so that pass builds no nodes and multiplies no matrices
    for them."""

    needed: set[int] | None = None


@contextlib.contextmanager
def wanting(needed: set[int]) -> Iterator[None]:
    """Within this block the VJPs compute gradients only for the tensors in ``needed``."""
    previous, _Pass.needed = _Pass.needed, needed
    try:
        yield
    finally:
        _Pass.needed = previous


def _needs(x: Any) -> bool:
    """Whether a VJP must compute the gradient of argument ``x``."""
    return isinstance(x, Tensor) and x.requires_grad and (_Pass.needed is None or id(x) in _Pass.needed)


def sum_to_shape(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Undo broadcasting: sum ``g`` over the axes along which an input of ``shape`` was
    stretched. The VJP of every broadcasting operation ends with this."""
    if g.shape == shape:
        return g
    leading = g.ndim - len(shape)
    axes = tuple(range(leading)) + tuple(
        leading + i for i, n in enumerate(shape) if n == 1 and g.shape[leading + i] != 1
    )
    summed = sum(g, axis=axes, keepdims=True) if axes else g
    return summed.reshape(shape) if summed.shape != shape else summed


# ----------------------------------------------------------------------- arithmetic
def _add_vjp(g, out, a, b):
    return (sum_to_shape(g, a.shape) if _needs(a) else None,
            sum_to_shape(g, b.shape) if _needs(b) else None)


add = Primitive("add", kernels.add, _add_vjp)


def _sub_vjp(g, out, a, b):
    return (sum_to_shape(g, a.shape) if _needs(a) else None,
            sum_to_shape(-g, b.shape) if _needs(b) else None)


sub = Primitive("sub", kernels.subtract, _sub_vjp)


def _mul_vjp(g, out, a, b):
    # d(ab) = b da + a db
    return (sum_to_shape(g * b, a.shape) if _needs(a) else None,
            sum_to_shape(g * a, b.shape) if _needs(b) else None)


mul = Primitive("mul", kernels.multiply, _mul_vjp)


def _div_vjp(g, out, a, b):
    # d(a/b) = da / b − (a/b) db / b
    return (sum_to_shape(g / b, a.shape) if _needs(a) else None,
            sum_to_shape(-g * out / b, b.shape) if _needs(b) else None)


div = Primitive("div", lambda xp, a, b: a / b, _div_vjp)


neg = Primitive("neg", kernels.negative, lambda g, out, a: (-g,))


def _power_vjp(g, out, base, exponent):
    """d(bᵉ) = e·bᵉ⁻¹ db + bᵉ·ln b de, each summed back to its argument's shape.

    The base or the exponent may be a Tensor, a Python number, a list or an array.
    Where the formulas give 0·∞ the derivative still exists, and the value PyTorch
    gives is returned: d(b⁰)/db = 0 (also at b = 0, so every derivative of b¹ is
    finite there), and d(bᵉ)/de = 0 at b = 0 for e ≥ 0 (bᵉ is constant in e there,
    from the side of e > 0). A negative base gives a NaN derivative in e, as in PyTorch.
    """
    grad_base = grad_exponent = None
    if _needs(base):
        grad_base = sum_to_shape(g * _power_slope(base, exponent), base.shape)
    if _needs(exponent):
        grad_exponent = sum_to_shape(g * out * _log_of_base(base, exponent), exponent.shape)
    return grad_base, grad_exponent


def _power_slope(base: Tensor, exponent: Any) -> Tensor:
    """e·bᵉ⁻¹, with the 0·0⁻¹ of e = 0 at b = 0 taken as 0."""
    if type(exponent) in _SCALARS:
        if exponent == 0:
            return Tensor(backend.namespace_of(base.data).zeros(base.shape, dtype=base.dtype))
        if exponent == 2:
            return 2.0 * base
        return exponent * base ** (exponent - 1)
    # Where e = 0 (at b = 0 for a variable e) bᵉ⁻¹ may be 0⁻¹ = ∞: take the power with
    # exponent 1 there instead, and the factor e = 0 makes the slope 0, with no NaN in
    # any further derivative.
    e = exponent if isinstance(exponent, Tensor) else Tensor(_as_constant(exponent, base.data))
    zero = e.data == 0
    if isinstance(exponent, Tensor):
        zero = zero & (base.data == 0)
    return e * base ** _where(zero, 1.0, e - 1.0)


def _log_of_base(base: Any, exponent: Tensor) -> Tensor:
    """ln b, with 0 where b = 0 and e ≥ 0 (there bᵉ·ln b is 0·(−∞): PyTorch's value 0)."""
    b = base if isinstance(base, Tensor) else Tensor(_as_constant(base, exponent.data))
    zero = (b.data == 0) & (exponent.data >= 0)
    if isinstance(base, Tensor):
        return log(_where(zero, 1.0, b))
    xp = backend.namespace_of(b.data)
    with backend.ignore_float_errors():  # ln of a negative constant is NaN, as in PyTorch
        return Tensor(xp.where(zero, 0.0, xp.log(b.data)).astype(b.dtype))


_SCALARS = (int, float)


def _as_constant(value: Any, like: Any) -> Any:
    """A non-Tensor operand (number, list, array) as an array of ``like``'s backend and dtype."""
    return backend.asarray(value, dtype=like.dtype, backend=backend.backend_of(like))


def _power_forward(xp, base, exponent):
    if type(exponent) is int and exponent == 2:
        return base * base
    return base**exponent


power = Primitive("pow", _power_forward, _power_vjp)


# -------------------------------------------------------------------- linear algebra
def _matmul_vjp(g, out, a, b):
    """C = A @ B  ⇒  dA = G Bᵀ, dB = Aᵀ G, with 1-D operands treated as NumPy does
    (a vector on the left is a row, on the right a column) and batch axes broadcast."""
    grad_a = grad_b = None
    if a.ndim == 1 and b.ndim == 1:  # inner product: out is a scalar
        return (g * b if _needs(a) else None, g * a if _needs(b) else None)
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n)
        g_row = expand_dims(g, -2)  # (..., 1, n)
        if _needs(a):
            grad_a = sum_to_shape(squeeze(g_row @ swap_last_axes(b), -2), a.shape)
        if _needs(b):
            grad_b = sum_to_shape(expand_dims(a, -1) * g_row, b.shape)
        return grad_a, grad_b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        g_column = expand_dims(g, -1)  # (..., m, 1)
        if _needs(a):
            grad_a = sum_to_shape(g_column * b, a.shape)
        if _needs(b):
            grad_b = sum_to_shape(squeeze(swap_last_axes(a) @ g_column, -1), b.shape)
        return grad_a, grad_b
    if _needs(a):
        grad_a = sum_to_shape(g @ swap_last_axes(b), a.shape)
    if _needs(b):
        grad_b = sum_to_shape(swap_last_axes(a) @ g, b.shape)
    return grad_a, grad_b


def _matmul_forward(xp, a, b):
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError("matmul needs operands with at least one dimension (use * for scalars)")
    return xp.matmul(a, b)


matmul = Primitive("matmul", _matmul_forward, _matmul_vjp)


def _linear_forward(xp, x, weight, bias):
    # (W xᵀ)ᵀ rather than x Wᵀ: the same product, but the very BLAS call the layer made when
    # it was a matmul between two transposes, so trained networks stay bit for bit the same
    y = xp.matmul(weight, x.swapaxes(-1, -2)).swapaxes(-1, -2)
    return y if bias is None else y + bias


def _linear_vjp(g, out, x, weight, bias):
    """y = x Wᵀ + b (x of shape (..., in), W (out, in), b (out,))  ⇒
    dx = g W,  dW = gᵀ x summed over every batch axis,  db = g summed over them.

    dx is computed as linear(g, Wᵀ) = (Wᵀ gᵀ)ᵀ (bit for bit the earlier matmul's), and
    dW = gᵀx comes out in W's own (C) memory order, which the optimizer's elementwise
    updates need to run fast. One node instead of four (two transposes, a matmul, an
    add) keeps the graph of an MLP, and its double backprop, small."""
    grad_x = linear(g, swap_last_axes(weight), None) if _needs(x) else None
    grad_weight = None
    if _needs(weight):
        rows_g, rows_x = (g, x) if g.ndim == 2 else (g.reshape((-1, g.shape[-1])), x.reshape((-1, x.shape[-1])))
        grad_weight = swap_last_axes(rows_g) @ rows_x
    grad_bias = sum_to_shape(g, bias.shape) if _needs(bias) else None
    return grad_x, grad_weight, grad_bias


# The affine map of nn.Linear for a batch x (x.ndim ≥ 2); bias may be None.
linear = Primitive("linear", _linear_forward, _linear_vjp)


# ------------------------------------------------------------------------ reductions
def _normalize_axes(axis, ndim: int) -> tuple[int, ...]:
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


def _sum_vjp(g, out, a, axis=None, keepdims=False):
    # Every input element contributes once to its sum: spread g back over the summed axes.
    if not keepdims:
        axes = _normalize_axes(axis, a.ndim)
        g = g.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return (broadcast_to(g, shape=a.shape),)


def _sum_forward(xp, a, axis=None, keepdims=False):
    if axis is not None:
        _normalize_axes(axis, a.ndim)
    return a.sum(axis=axis, keepdims=keepdims)


sum = Primitive("sum", _sum_forward, _sum_vjp)


broadcast_to = Primitive(
    "broadcast_to",
    lambda xp, a, shape: xp.broadcast_to(a, shape),
    lambda g, out, a, shape: (sum_to_shape(g, a.shape),),
)


# ------------------------------------------------------------------- shape movements
reshape = Primitive(
    "reshape",
    lambda xp, a, shape: a.reshape(shape),
    lambda g, out, a, shape: (g.reshape(a.shape),),
)


def _transpose_vjp(g, out, a, axes=None):
    if axes is None:
        return (transpose(g, axes=None),)
    inverse = [0] * len(axes)
    for position, axis in enumerate(axes):
        inverse[axis] = position
    return (transpose(g, axes=tuple(inverse)),)


transpose = Primitive("transpose", lambda xp, a, axes=None: xp.transpose(a, axes), _transpose_vjp)

swap_last_axes = Primitive(
    "swap_last_axes",
    lambda xp, a: a.swapaxes(-1, -2),
    lambda g, out, a: (swap_last_axes(g),),
)


def expand_dims(x: Tensor, axis: int) -> Tensor:
    """Insert an axis of length 1 (a reshape, so its gradient is a reshape back)."""
    shape = list(x.shape)
    shape.insert(axis % (len(shape) + 1), 1)
    return x.reshape(tuple(shape))


def squeeze(x: Tensor, axis: int) -> Tensor:
    shape = list(x.shape)
    if shape[axis] != 1:
        raise ValueError(f"cannot squeeze axis {axis} of shape {x.shape}")
    del shape[axis]
    return x.reshape(tuple(shape))


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


def _has_array_index(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return builtins.any(backend.is_array(i) for i in items)


def _getitem_vjp(g, out, a, index):
    return (index_backward(g, index=index, shape=a.shape),)


getitem = Primitive("getitem", lambda xp, a, index: a[index], _getitem_vjp)


def _index_backward_forward(xp, g, index, shape):
    # Zeros of the input's shape with g put back where the elements were taken from.
    # Integer-array indices may repeat an element: those contributions must add up.
    grad = xp.zeros(shape, dtype=g.dtype)
    if _has_array_index(index):
        items = index if isinstance(index, tuple) else (index,)
        if builtins.any(getattr(i, "dtype", None) is not None and i.dtype.kind == "b" for i in items):
            grad[index] = g
        else:
            backend.scatter_add(grad, index, g)
    else:
        grad[index] = g
    return grad


index_backward = Primitive(
    "index_backward",
    _index_backward_forward,
    lambda gg, out, g, index, shape: (getitem(gg, index=index),),
)


def _concatenate_vjp(g, out, *tensors, axis=0):
    grads, offset = [], 0
    for t in tensors:
        n = t.shape[axis]
        if _needs(t):
            index = [slice(None)] * g.ndim
            index[axis] = slice(offset, offset + n)
            grads.append(getitem(g, index=tuple(index)))
        else:
            grads.append(None)
        offset += n
    return tuple(grads)


_concatenate = Primitive(
    "concatenate", lambda xp, *arrays, axis=0: xp.concatenate(arrays, axis=axis), _concatenate_vjp
)


astype = Primitive(
    "astype",
    lambda xp, a, dtype: a.astype(dtype),
    lambda g, out, a, dtype: (astype(g, dtype=a.dtype),),
)


# -------------------------------------------------------------------- elementwise maps
exp = Primitive("exp", lambda xp, a: xp.exp(a), lambda g, out, a: (g * out,))

log = Primitive("log", lambda xp, a: xp.log(a), lambda g, out, a: (g / a,))

# tanh' = 1 − tanh², from the output; written with Tensor operations, so its own
# derivative (for double backprop) comes from mul and sub
tanh = Primitive("tanh", kernels.tanh, lambda g, out, a: (g * (1.0 - out * out),))


def _sigmoid_forward(xp, a):
    # σ(x) = exp(−softplus(−x)): no overflow for any x, full relative accuracy in both tails
    return xp.exp(-xp.logaddexp(0.0, -a))


# σ' = σ (1 − σ)
sigmoid = Primitive("sigmoid", _sigmoid_forward, lambda g, out, a: (g * (out * (1.0 - out)),))

# softplus(x) = log(1 + eˣ), computed as logaddexp(0, x): exact and overflow-free; softplus' = σ
softplus = Primitive("softplus", lambda xp, a: xp.logaddexp(0.0, a), lambda g, out, a: (g * sigmoid(a),))

sqrt = Primitive("sqrt", lambda xp, a: xp.sqrt(a), lambda g, out, a: (g * 0.5 / out,))


def _mask(condition, dtype):
    return condition.astype(dtype)


# relu' is the step function (a constant to any further differentiation)
relu = Primitive(
    "relu",
    lambda xp, a: xp.maximum(a, 0),
    lambda g, out, a: (g * _mask(a.data > 0, a.dtype),),
)


def _leaky_relu_forward(xp, a, negative_slope=0.01):
    return xp.where(a > 0, a, a * negative_slope)


def _leaky_relu_vjp(g, out, a, negative_slope=0.01):
    xp = backend.namespace_of(a.data)
    slope = xp.where(a.data > 0, 1.0, negative_slope).astype(a.dtype)
    return (g * slope,)


leaky_relu = Primitive("leaky_relu", _leaky_relu_forward, _leaky_relu_vjp)


def _abs_vjp(g, out, a):
    xp = backend.namespace_of(a.data)
    return (g * xp.sign(a.data),)


abs = Primitive("abs", lambda xp, a: xp.abs(a), _abs_vjp)


def _extremum_vjp(g, out, a, b, larger: bool):
    # The gradient goes to the selected argument; at a tie it is split in half, so that
    # maximum(x, x) = x keeps derivative 1.
    xp = backend.namespace_of(out.data)
    a_data = a.data if isinstance(a, Tensor) else a
    b_data = b.data if isinstance(b, Tensor) else b
    wins = (a_data > b_data) if larger else (a_data < b_data)
    share = wins.astype(out.dtype) + 0.5 * (a_data == b_data).astype(out.dtype)
    share = xp.broadcast_to(share, out.shape)
    return (sum_to_shape(g * share, a.shape) if _needs(a) else None,
            sum_to_shape(g * (1.0 - share), b.shape) if _needs(b) else None)


maximum = Primitive("maximum", lambda xp, a, b: xp.maximum(a, b),
                    lambda g, out, a, b: _extremum_vjp(g, out, a, b, larger=True))
minimum = Primitive("minimum", lambda xp, a, b: xp.minimum(a, b),
                    lambda g, out, a, b: _extremum_vjp(g, out, a, b, larger=False))


def _where_vjp(g, out, condition, a, b):
    chosen = backend.namespace_of(out.data).broadcast_to(condition, out.shape).astype(out.dtype)
    return (None,
            sum_to_shape(g * chosen, a.shape) if _needs(a) else None,
            sum_to_shape(g * (1.0 - chosen), b.shape) if _needs(b) else None)


_where = Primitive("where", lambda xp, condition, a, b: xp.where(condition, a, b), _where_vjp)


def mean(x: Tensor, axis=None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (a sum divided by the count: no VJP of its own)."""
    axes = _normalize_axes(axis, x.ndim)
    count = 1
    for a in axes:
        count *= x.shape[a]
    if count == 0:
        raise ValueError(f"mean of an empty selection (shape {x.shape}, axis {axis})")
    return sum(x, axis=axis, keepdims=keepdims) * (1.0 / count)
