"""Every primitive, first and second order, against central finite differences in float64,
on hypothesis-generated shapes (broadcasting included)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.autodiff import primitives as P


def host_tensor(array):
    return mg.tensor(np.asarray(array, dtype=np.float64), dtype="float64")


shapes = st.lists(st.integers(1, 3), min_size=0, max_size=3).map(tuple)


@st.composite
def broadcastable_pair(draw):
    """Two shapes that broadcast together: drop leading axes and set some axes to 1."""
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple))
    def shrink(s):
        lead = draw(st.integers(0, len(s)))
        return tuple(1 if draw(st.booleans()) else n for n in s[lead:])
    return shrink(shape), shrink(shape)


def values(shape, seed, low=-2.0, high=2.0):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def check_both_orders(fn, *arrays):
    inputs = [host_tensor(a) for a in arrays]
    assert mg.gradcheck(fn, inputs)
    assert mg.gradgradcheck(fn, inputs)


UNARY = {
    "exp": (mg.exp, -2, 2),
    "log": (mg.log, 0.3, 3),
    "tanh": (mg.tanh, -2, 2),
    "sigmoid": (mg.sigmoid, -4, 4),
    "softplus": (mg.softplus, -4, 4),
    "logsigmoid": (mg.logsigmoid, -4, 4),
    "sqrt": (mg.sqrt, 0.3, 3),
    "neg": (lambda x: -x, -2, 2),
    "square_pow": (lambda x: x**2, -2, 2),
    "cube_pow": (lambda x: x**3.0, -2, 2),
    "fractional_pow": (lambda x: x**1.5, 0.3, 3),
    "reciprocal": (lambda x: 1.0 / x, 0.5, 3),
    "scalar_minus": (lambda x: 2.0 - x, -2, 2),
    "scalar_power_base": (lambda x: 2.0**x, -2, 2),
}


@pytest.mark.parametrize("name", sorted(UNARY))
@given(shape=shapes, seed=st.integers(0, 2**16))
@settings(max_examples=8)
def test_unary_primitive(name, shape, seed):
    fn, low, high = UNARY[name]
    check_both_orders(fn, values(shape, seed, low, high))


# Piecewise-linear maps: differentiable away from their kinks; keep samples off the kink so
# that central differences are exact there.
def away_from_zero(shape, seed):
    x = values(shape, seed, 0.2, 2.0)
    signs = np.where(np.random.default_rng(seed + 1).random(shape) < 0.5, -1.0, 1.0)
    return x * signs


@pytest.mark.parametrize("fn", [mg.relu, mg.abs, lambda x: mg.leaky_relu(x, 0.2)], ids=["relu", "abs", "leaky_relu"])
@given(shape=shapes, seed=st.integers(0, 2**16))
@settings(max_examples=8)
def test_piecewise_linear_primitive(fn, shape, seed):
    # The product with x gives these a non-zero second derivative to check.
    check_both_orders(lambda x: fn(x) * x, away_from_zero(shape, seed))


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0),
    "pow": lambda a, b: (a * a + 1.0) ** b,
    "maximum": lambda a, b: mg.maximum(a * 3.0, b),
    "minimum": lambda a, b: mg.minimum(a * 3.0, b),
}


@pytest.mark.parametrize("name", sorted(BINARY))
@given(pair=broadcastable_pair(), seed=st.integers(0, 2**16))
@settings(max_examples=10)
def test_binary_primitive_with_broadcasting(name, pair, seed):
    shape_a, shape_b = pair
    a, b = values(shape_a, seed), values(shape_b, seed + 7)
    if name in ("maximum", "minimum"):
        b = b + 0.05  # no exact ties between 3a and b (the kink)
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    result = BINARY[name](host_tensor(a), host_tensor(b))
    assert result.shape == out_shape
    # multiply by a function of the inputs so that second derivatives are not trivially zero
    check_both_orders(lambda x, y: BINARY[name](x, y) * mg.tanh(x.sum() + y.sum()), a, b)


@given(
    batch=st.sampled_from([(), (2,), (1, 2)]),
    m=st.integers(1, 3), k=st.integers(1, 3), n=st.integers(1, 3),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=12)
def test_matmul_matrices_and_batches(batch, m, k, n, seed):
    a = values(batch + (m, k), seed)
    b = values((k, n), seed + 1)
    check_both_orders(lambda x, y: mg.tanh(x @ y), a, b)


@pytest.mark.parametrize("shapes_", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 2, 3), (3,)),
                                     ((3,), (2, 3, 2)), ((2, 1, 2, 3), (2, 3, 2))])
def test_matmul_vectors_and_broadcast_batches(shapes_):
    a, b = values(shapes_[0], 1), values(shapes_[1], 2)
    expected = np.matmul(a, b)
    assert np.allclose((host_tensor(a) @ host_tensor(b)).numpy(), expected)
    check_both_orders(lambda x, y: mg.tanh(x @ y), a, b)


@given(shape=st.lists(st.integers(1, 3), min_size=1, max_size=3).map(tuple), data=st.data())
@settings(max_examples=20)
def test_sum_and_mean_over_axes(shape, data):
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1),
                               st.lists(st.integers(0, len(shape) - 1), min_size=1, max_size=len(shape),
                                        unique=True).map(tuple)))
    keepdims = data.draw(st.booleans())
    x = values(shape, 3)
    assert np.allclose(mg.sum(host_tensor(x), axis=axis, keepdims=keepdims).numpy(),
                       np.sum(x, axis=axis, keepdims=keepdims))
    assert np.allclose(mg.mean(host_tensor(x), axis=axis, keepdims=keepdims).numpy(),
                       np.mean(x, axis=axis, keepdims=keepdims))
    check_both_orders(lambda t: mg.sum(t * t * t, axis=axis, keepdims=keepdims), x)
    check_both_orders(lambda t: mg.tanh(mg.mean(t, axis=axis, keepdims=keepdims)), x)


def test_shape_movements():
    x = values((2, 3, 4), 5)
    check_both_orders(lambda t: mg.tanh(t.reshape(4, 6)) * mg.tanh(t).reshape(4, 6), x)
    check_both_orders(lambda t: mg.tanh(t.transpose(2, 0, 1)) * 2.0, x)
    check_both_orders(lambda t: mg.tanh(t.T) ** 2, x)
    check_both_orders(lambda t: mg.tanh(t.mT @ t), x)
    assert np.array_equal(host_tensor(x).transpose(2, 0, 1).numpy(), x.transpose(2, 0, 1))


@pytest.mark.parametrize("index", [
    (0,), (slice(1, None),), (Ellipsis, 1), (slice(None), slice(0, 2)), (1, 2),
    (np.array([0, 1, 1, 0]),),  # integer array with repeats: gradients must add up
    (np.array([True, False]),),
], ids=["int", "slice", "ellipsis", "two_slices", "two_ints", "int_array_repeats", "bool_mask"])
def test_indexing(index):
    x = values((2, 3), 9)
    device_index = tuple(mg.backend.asarray(i) if isinstance(i, np.ndarray) else i for i in index)
    assert np.array_equal(host_tensor(x)[device_index].numpy(), x[index])
    check_both_orders(lambda t: mg.tanh(t[device_index]) ** 2, x)


def test_indexing_repeated_rows_accumulate():
    x = host_tensor(values((3,), 1))
    x.requires_grad = True
    idx = mg.backend.asarray(np.array([2, 2, 0]))
    x[idx].sum().backward()
    assert np.array_equal(x.grad.numpy(), [1.0, 0.0, 2.0])


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis):
    a, b = values((2, 3), 1), values((2, 3), 2)
    assert np.array_equal(mg.concatenate([host_tensor(a), host_tensor(b)], axis=axis).numpy(),
                          np.concatenate([a, b], axis=axis))
    assert np.array_equal(mg.stack([host_tensor(a), host_tensor(b)], axis=axis).numpy(),
                          np.stack([a, b], axis=axis))
    check_both_orders(lambda s, t: mg.tanh(mg.concatenate([s, t * s], axis=axis)), a, b)
    check_both_orders(lambda s, t: mg.tanh(mg.stack([s, t * s], axis=axis)), a, b)


def test_where():
    a, b = values((2, 3), 1), values((1, 3), 2)
    condition = mg.backend.asarray(np.array([[True, False, True], [False, False, True]]))
    expected = np.where(np.array([[True, False, True], [False, False, True]]), a, b)
    assert np.array_equal(mg.where(condition, host_tensor(a), host_tensor(b)).numpy(), expected)
    check_both_orders(lambda s, t: mg.where(condition, s * s, mg.tanh(t)), a, b)
    check_both_orders(lambda s: mg.where(condition, s * s, 0.5), a)


def test_astype_keeps_the_gradient_and_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float32")
    y = (x.astype("float64") ** 2).sum()
    y.backward()
    assert x.grad.dtype == np.float32
    assert np.array_equal(x.grad.numpy(), [2.0, 4.0])


def test_maximum_tie_splits_the_gradient():
    x = mg.tensor([1.0, 2.0], requires_grad=True, dtype="float64")
    (g,) = mg.grad(mg.maximum(x, x).sum(), x)
    assert np.array_equal(g.numpy(), [1.0, 1.0])  # max(x, x) = x


@pytest.mark.parametrize("extremum, x_wins", [(mg.maximum, 0.0), (mg.minimum, 1.0)], ids=["maximum", "minimum"])
def test_a_tie_between_two_distinct_leaves_gives_each_half(extremum, x_wins):
    # max(x, x) has derivative 1 whatever the split; two leaves of equal value see it (PyTorch: ½ each)
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True, dtype="float64")
    y = mg.tensor([1.0, 5.0, 3.0], requires_grad=True, dtype="float64")
    gx, gy = mg.grad(extremum(x, y).sum(), [x, y])
    assert np.array_equal(gx.numpy(), [0.5, x_wins, 0.5])  # ties at 0 and 2; the middle one is no tie
    assert np.array_equal(gy.numpy(), [0.5, 1.0 - x_wins, 0.5])


@pytest.mark.parametrize("value", [-1e4, -100.0, -1.0, 0.0, 1.0, 100.0, 1e4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softplus_logsigmoid_sigmoid_stable_for_large_inputs(value, dtype):
    x = mg.tensor([value], requires_grad=True, dtype=dtype)
    softplus = mg.softplus(x)
    logsigmoid = mg.logsigmoid(x)
    sigmoid = mg.sigmoid(x)
    # references: log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
    expected_softplus = max(value, 0.0) + np.log1p(np.exp(-abs(value)))
    assert np.isclose(softplus.item(), expected_softplus, rtol=1e-6)
    assert np.isclose(logsigmoid.item(), -(max(-value, 0.0) + np.log1p(np.exp(-abs(value)))), rtol=1e-6)
    assert np.isfinite(sigmoid.item()) and 0.0 <= sigmoid.item() <= 1.0
    (g,) = mg.grad(logsigmoid.sum(), x)
    expected_grad = 1.0 / (1.0 + np.exp(value)) if value < 700 else 0.0  # d/dx log σ(x) = σ(−x)
    assert np.isfinite(g.item()) and np.isclose(g.item(), expected_grad, rtol=1e-5, atol=1e-30)


# ------------------------------------------------ indexing with lists, arrays and Tensors
INDEX_FORMS = {
    "int_list": [0, 2, 2],
    "bool_list": [True, False, True],
    "int_array": np.array([2, 0, 2]),
    "bool_array": np.array([False, True, True]),
    "int_tensor": "tensor:int64",
    "bool_tensor": "tensor:bool",
    "nested_list_in_tuple": (slice(None), [1, 1]),
    "empty_list": [],
}


def _index(form):
    """The index in the form a user would write it, on the active backend."""
    value = INDEX_FORMS[form]
    if isinstance(value, np.ndarray):
        return mg.backend.asarray(value)
    if value == "tensor:int64":
        return mg.tensor(np.array([1, 1, 0]), dtype="int64")
    if value == "tensor:bool":
        return mg.tensor(np.array([True, True, False]), dtype="bool")
    return value


def _host_index(form):
    index = _index(form)
    if isinstance(index, mg.Tensor):
        return index.numpy()
    return mg.backend.to_host(index) if mg.backend.is_array(index) else index


@pytest.mark.parametrize("form", sorted(INDEX_FORMS))
def test_indexing_with_lists_arrays_and_tensors_matches_numpy(form):
    x = values((3, 2), 4) if form == "nested_list_in_tuple" else values((3,), 4)
    expected = x[_host_index(form)]
    assert np.array_equal(host_tensor(x)[_index(form)].numpy(), expected)
    check_both_orders(lambda t: mg.tanh(t[_index(form)]) ** 2, x)


def test_indexing_scatters_repeated_list_entries_back():
    x = host_tensor([1.0, 2.0, 3.0])
    x.requires_grad = True
    (g,) = mg.grad(x[[0, 2, 2]].sum(), x)
    assert np.array_equal(g.numpy(), [1.0, 0.0, 2.0])


def test_a_float_index_is_refused_naming_it():
    with pytest.raises(IndexError, match="float64"):
        host_tensor([1.0, 2.0])[mg.tensor([0.0, 1.0], dtype="float64")]
    with pytest.raises(IndexError, match="integer or boolean"):
        host_tensor([1.0, 2.0])[[0.0, 1.0]]


# ------------------------------------------------------------------ pow, every form
def _device(array):
    return mg.backend.asarray(np.asarray(array, dtype=np.float64))


def test_pow_array_exponent_that_broadcasts_the_base():
    x = host_tensor([2.0])
    x.requires_grad = True
    (g,) = mg.grad((x ** _device([2.0, 3.0])).sum(), x)
    assert np.allclose(g.numpy(), [2 * 2.0 + 3 * 4.0])  # d/dx (x² + x³) at 2
    check_both_orders(lambda t: t ** _device([[2.0, 3.0], [1.5, 0.5]]), np.array([[1.3], [0.7]]))


def test_pow_array_base():
    x = host_tensor([0.5])
    x.requires_grad = True
    (g,) = mg.grad((_device([2.0, 3.0]) ** x).sum(), x)
    assert np.allclose(g.numpy(), [np.log(2) * 2**0.5 + np.log(3) * 3**0.5])
    check_both_orders(lambda t: _device([[2.0, 3.0], [0.5, 4.0]]) ** t, np.array([[0.3, -0.6]]))


def test_pow_negative_python_base_gives_nan_like_pytorch():
    # (−2)ˣ is real only at integer x; d/dx = (−2)ˣ·ln(−2) is NaN for PyTorch too.
    x = host_tensor([2.0, 3.0])
    x.requires_grad = True
    with np.errstate(invalid="ignore"):
        (g,) = mg.grad(((-2.0) ** x).sum(), x)
    assert np.isnan(g.numpy()).all()


def test_pow_exponent_zero_and_one_at_zero_follow_pytorch():
    x = host_tensor([0.0, 1.5])
    x.requires_grad = True
    (d0,) = mg.grad((x**0).sum(), x)
    assert np.array_equal(d0.numpy(), [0.0, 0.0])  # x⁰ = 1 everywhere
    (d1,) = mg.grad((x**1).sum(), x, create_graph=True)
    (dd1,) = mg.grad(d1.sum(), x)
    assert np.array_equal(d1.detach().numpy(), [1.0, 1.0]) and np.array_equal(dd1.numpy(), [0.0, 0.0])
    (dd1_array,) = mg.grad(mg.grad((x ** _device([1.0, 1.0])).sum(), x, create_graph=True)[0].sum(), x)
    assert np.array_equal(dd1_array.numpy(), [0.0, 0.0])
    exponent = host_tensor([0.0, 1.0])
    exponent.requires_grad = True
    (dx,) = mg.grad((x**exponent).sum(), x)
    assert np.array_equal(dx.numpy(), [0.0, 1.0])


def test_pow_gradient_in_the_exponent_at_base_zero_is_zero_like_pytorch():
    # d(0ᵉ)/de = 0ᵉ·ln 0: PyTorch defines it as 0 for e ≥ 0 (0ᵉ is constant 0 for e > 0).
    exponent = host_tensor([0.0, 2.0, 0.5])
    exponent.requires_grad = True
    (g,) = mg.grad((host_tensor([0.0, 0.0, 0.0]) ** exponent).sum(), exponent)
    assert np.array_equal(g.numpy(), [0.0, 0.0, 0.0])
    (g,) = mg.grad((0.0**exponent).sum(), exponent)
    assert np.array_equal(g.numpy(), [0.0, 0.0, 0.0])
    (g,) = mg.grad((_device([0.0, 0.0, 0.0]) ** exponent).sum(), exponent)
    assert np.array_equal(g.numpy(), [0.0, 0.0, 0.0])


POW_FORMS = {
    "tensor_tensor": lambda a, b: (a * a + 1.0) ** b,
    "tensor_array_exponent": lambda a, b: (a * a + 1.0) ** _device([1.5, 2.0, 0.5]),
    "array_base_tensor": lambda a, b: _device([[1.5], [0.5]]) ** (a * b),
    "scalar_base_tensor": lambda a, b: 2.0 ** (a * b),
    "tensor_list_exponent": lambda a, b: (a * a + 1.0) ** [2.0, 0.5, 1.0],
}


@pytest.mark.parametrize("name", sorted(POW_FORMS))
def test_pow_forms_first_and_second_order(name):
    a, b = values((2, 3), 11), values((3,), 12)
    check_both_orders(lambda x, y: POW_FORMS[name](x, y) * mg.tanh(x.sum() + y.sum()), a, b)


@pytest.mark.parametrize("batch", [(4,), (2, 3), (1,)], ids=["matrix", "batch_of_matrices", "one_row"])
@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no_bias"])
def test_linear_primitive_first_and_second_order(batch, with_bias):
    from minigan.autodiff.primitives import linear

    x, w, b = values(batch + (3,), 1), values((2, 3), 2), values((2,), 3)
    expected = x @ w.T + (b if with_bias else 0.0)
    assert np.allclose(linear(host_tensor(x), host_tensor(w), host_tensor(b) if with_bias else None).numpy(),
                       expected, rtol=1e-14, atol=1e-14)
    if with_bias:
        check_both_orders(lambda s, t, u: mg.tanh(linear(s, t, u)) * mg.tanh(s.sum()), x, w, b)
    else:
        check_both_orders(lambda s, t: mg.tanh(linear(s, t, None)) * mg.tanh(s.sum()), x, w)


def test_linear_weight_gradient_is_c_contiguous():
    from minigan.autodiff.primitives import linear

    x, w = host_tensor(values((5, 3), 1)), host_tensor(values((2, 3), 2))
    w.requires_grad = True
    (g,) = mg.grad(linear(x, w, None).sum(), w)
    assert g.shape == (2, 3)
    if mg.backend.name() == "numpy":
        assert g.data.flags.c_contiguous


# ---------------------------------------------- every row of the table has a gradcheck row
def _leaf(shape, seed, low=-2.0, high=2.0):
    return values(shape, seed, low, high)


_MASK = np.array([[True, False, True], [False, True, True]])

# One row per primitive of minigan/autodiff/primitives.py: a function that reaches it (the
# primitive applied to Tensors), with inputs where it is differentiable. tanh around linear
# maps gives them non-zero second derivatives to check.
GRADCHECK_ROWS = {
    "add": (lambda a, b: mg.tanh(a + b) * a, [(2, 3), (3,)]),
    "sub": (lambda a, b: mg.tanh(a - b) * b, [(2, 3), (2, 1)]),
    "mul": (lambda a, b: a * b * b, [(2, 3), (3,)]),
    "div": (lambda a, b: a / (b * b + 1.0), [(2, 3), (1, 3)]),
    "neg": (lambda a: -(a * a), [(2, 3)]),
    "pow": (lambda a, b: (a * a + 1.0) ** b, [(2, 3), (3,)]),
    "matmul": (lambda a, b: mg.tanh(a @ b), [(2, 3), (3, 2)]),
    "linear": (lambda x, w, b: mg.tanh(P.linear(x, w, b)), [(4, 3), (2, 3), (2,)]),
    "sum": (lambda a: mg.sum(a * a * a, axis=1), [(2, 3)]),
    "broadcast_to": (lambda a: mg.tanh(P.broadcast_to(a, shape=(2, 3))) * 2.0, [(1, 3)]),
    "reshape": (lambda a: mg.tanh(a.reshape(3, 2)) ** 2, [(2, 3)]),
    "transpose": (lambda a: mg.tanh(a.transpose(1, 0)) ** 2, [(2, 3)]),
    "swap_last_axes": (lambda a: mg.tanh(a.mT @ a), [(2, 3)]),
    "getitem": (lambda a: mg.tanh(a[1:, ::2]) ** 2, [(3, 4)]),
    "index_backward": (lambda a: mg.grad((a[[0, 0, 2]] ** 3).sum(), a, create_graph=True)[0] * a, [(3, 2)]),
    "concatenate": (lambda a, b: mg.tanh(mg.concatenate([a, a * b], axis=1)), [(2, 3), (2, 3)]),
    "astype": (lambda a: mg.tanh(a.astype("float64")) * a, [(2, 3)]),
    "exp": (lambda a: mg.exp(a), [(2, 3)]),
    "log": (lambda a: mg.log(a * a + 0.5), [(2, 3)]),
    "tanh": (lambda a: mg.tanh(a), [(2, 3)]),
    "sigmoid": (lambda a: mg.sigmoid(a), [(2, 3)]),
    "softplus": (lambda a: mg.softplus(a), [(2, 3)]),
    "sqrt": (lambda a: mg.sqrt(a * a + 0.5), [(2, 3)]),
    "relu": (lambda a: mg.relu(a) * a, [(2, 3)]),
    "leaky_relu": (lambda a: mg.leaky_relu(a, 0.2) * a, [(2, 3)]),
    "abs": (lambda a: mg.abs(a) * a, [(2, 3)]),
    "maximum": (lambda a, b: mg.maximum(a * 3.0, b + 0.05) * a, [(2, 3), (3,)]),
    "minimum": (lambda a, b: mg.minimum(a * 3.0, b + 0.05) * b, [(2, 3), (3,)]),
    "where": (lambda a, b: mg.where(mg.backend.asarray(_MASK), a * a, mg.tanh(b)), [(2, 3), (1, 3)]),
}

# piecewise-linear rows: inputs kept off the kinks (central differences are exact away from them)
_OFF_THE_KINK = {"relu", "leaky_relu", "abs", "maximum", "minimum"}


def test_every_primitive_of_the_table_has_a_gradcheck_row():
    assert set(GRADCHECK_ROWS) == set(P.TABLE), "add a row to GRADCHECK_ROWS for each new primitive"


@pytest.mark.parametrize("name", sorted(GRADCHECK_ROWS))
def test_gradcheck_row_first_and_second_order(name):
    fn, shapes_ = GRADCHECK_ROWS[name]
    arrays = [away_from_zero(shape, 11 + i) if name in _OFF_THE_KINK else _leaf(shape, 11 + i)
              for i, shape in enumerate(shapes_)]
    inputs = [host_tensor(a) for a in arrays]
    # the row must really reach its primitive
    for t in inputs:
        t.requires_grad = True
    reached = {n.op_name for n in mg.autodiff.graph_nodes(fn(*inputs))}
    if name != "index_backward":  # made by getitem's VJP: seen in the graph of the gradient
        assert name in reached, f"the row for {name} does not use it: {sorted(n for n in reached if n)}"
    check_both_orders(fn, *arrays)


@pytest.mark.parametrize("name", sorted(name for name, p in P.TABLE.items() if p.kernel is not None))
@pytest.mark.parametrize("order", ["C", "F"])
def test_each_kernel_computes_its_rows_plain_expression(name, order):
    xp = mg.backend.xp()
    rng = np.random.default_rng(5)
    make = np.asfortranarray if order == "F" else np.ascontiguousarray
    a, b = (mg.backend.asarray(make(rng.standard_normal((300, 260)))) for _ in range(2))
    primitive = P.TABLE[name]
    operands = {"neg": (a,), "tanh": (a,), "matmul": (a, b.T),  # products: shapes that chain
                "linear": (a, b, mg.backend.asarray(rng.standard_normal(300)))}.get(name, (a, b))
    np.testing.assert_array_equal(mg.backend.to_host(primitive.kernel(xp, *operands)),
                                  mg.backend.to_host(primitive.forward(xp, *operands)))


def test_a_vjp_written_in_the_earlier_form_still_works_and_round_trips():
    legacy = P.Primitive("legacy_tanh", lambda xp, a: xp.tanh(a), lambda g, out, a: (g * (1.0 - out * out),))
    assert mg.gradgradcheck(lambda x: legacy(x), [host_tensor([0.3, -0.7])])
    original = P.tanh.backward
    earlier_form = P.tanh.vjp  # what the VJP exercises read and put back
    out = mg.tanh(host_tensor([0.5]))
    assert np.allclose(earlier_form(host_tensor([1.0]), out, host_tensor([0.5]))[0].numpy(), 1 - np.tanh(0.5) ** 2)
    P.tanh.vjp = lambda g, out, a: (g * 0.0,)
    try:
        x = host_tensor([0.5])
        x.requires_grad = True
        assert mg.grad(mg.tanh(x).sum(), x)[0].item() == 0.0
    finally:
        P.tanh.vjp = earlier_form
    assert P.tanh.backward is original


def test_a_vjp_is_told_which_gradients_are_needed():
    seen = []
    spy = P.Primitive("spy_mul", lambda xp, a, b: a * b,
                      lambda needs, g, out, a, b: seen.append(needs) or (g * b if needs[0] else None,
                                                                           g * a if needs[1] else None))
    x, w = host_tensor([1.0, 2.0]), host_tensor([3.0, 4.0])
    x.requires_grad = w.requires_grad = True
    mg.grad(spy(x, w).sum(), x)
    mg.grad(spy(x, w).sum(), [x, w])
    spy(x, 2.0).sum().backward()
    assert seen == [(True, False), (True, True), (True, False)]


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_requires_grad_cannot_be_set_on_a_non_floating_tensor(dtype):
    t = mg.tensor([1, 0], dtype=dtype)
    with pytest.raises(TypeError, match=f"only floating-point tensors can require gradients, got dtype {dtype}"):
        t.requires_grad = True
    with pytest.raises(TypeError, match=dtype):
        t.requires_grad_()
    assert t.requires_grad is False
