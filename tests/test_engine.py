"""The backward engine: PyTorch's grad/backward semantics, double backprop, freeing the
graph, and errors that name the problem."""

import gc
import tracemalloc

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.autodiff.tensor import Primitive


def t64(array, requires_grad=False):
    return mg.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad, dtype="float64")


# ------------------------------------------------------------------ random expression trees
def _last_axis(a, index_for_length):
    """a[..., index] with an index built for the length of a's last axis (0-d: a itself)."""
    return a if a.ndim == 0 else a[..., index_for_length(a.shape[-1])]


def _device(values):
    return mg.backend.asarray(np.asarray(values, dtype=np.float64))


# Every op keeps the last axis of length 3 or 1 (or makes a 0-d tensor), so that any two
# subtrees broadcast together: x is (2, 3), y is (3,).
UNARY = {
    "tanh": mg.tanh, "sigmoid": mg.sigmoid, "softplus": mg.softplus,
    "exp_of_tanh": lambda a: mg.exp(mg.tanh(a)),
    "square": lambda a: a * a, "log_softplus": lambda a: mg.log(mg.softplus(a) + 0.5),
    "sqrt_of_square_plus_one": lambda a: mg.sqrt(a * a + 1.0), "neg": lambda a: -a,
    "sum_keepdims": lambda a: a.sum(axis=-1, keepdims=True) if a.ndim else a, "mean_all": lambda a: a.mean(),
    "logsigmoid": mg.logsigmoid,
    # indexing in NumPy's forms, repeated entries included (their gradients add up)
    "index_list": lambda a: _last_axis(a, lambda n: [0, n - 1, 0]),
    "index_bool_list": lambda a: _last_axis(a, lambda n: [True] + [False] * (n - 1)),
    "index_int_array": lambda a: _last_axis(a, lambda n: mg.backend.asarray(np.array([n - 1, n - 1, 0]))),
    "index_int_tensor": lambda a: _last_axis(a, lambda n: mg.tensor(np.array([0, 0, n - 1]), dtype="int64")),
    "index_bool_tensor": lambda a: _last_axis(a, lambda n: mg.tensor(np.arange(n) == n - 1, dtype="bool")),
    # powers with a constant array exponent or base that broadcasts against the tensor
    # (bases kept in [0.5, 1.5]: nested powers of large values would exceed what float64
    # central differences resolve)
    "pow_array_exponent": lambda a: (mg.tanh(a) ** 2 + 0.5) ** _device([1.5, 2.0, 1.0]),
    "pow_array_base": lambda a: _device([0.5, 2.0, 1.5]) ** mg.tanh(a),
    "pow_scalar_base": lambda a: 1.7 ** mg.tanh(a),
    "pow_zero_and_one": lambda a: a**1 + a**0,
}
BINARY = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1.0), "max_soft": lambda a, b: mg.maximum(a, b + 0.37),
    "pow": lambda a, b: (mg.tanh(a) ** 2 + 0.5) ** mg.tanh(b),
}


def _unary_node(name, child):
    return f"{name}({child[0]})", (lambda x, y: UNARY[name](child[1](x, y)))


def _leaf(name):
    return name, (lambda x, y: x if name == "x" else y)


@st.composite
def expression(draw, depth=0):
    """A random expression tree over the leaves x (2×3) and y (3,), as (description, function)."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return _leaf(draw(st.sampled_from(["x", "y"])))
    if draw(st.booleans()):
        return _unary_node(draw(st.sampled_from(sorted(UNARY))), draw(expression(depth + 1)))
    name = draw(st.sampled_from(sorted(BINARY)))
    left_text, left = draw(expression(depth + 1))
    right_text, right = draw(expression(depth + 1))
    return f"{name}({left_text}, {right_text})", (lambda x, y: BINARY[name](left(x, y), right(x, y)))


@given(tree=expression(), seed=st.integers(0, 2**16))
@example(tree=_unary_node("tanh", _unary_node("sum_keepdims", _unary_node("mean_all", _leaf("x")))), seed=0)
@example(tree=_unary_node("index_list", _unary_node("pow_zero_and_one", _leaf("y"))), seed=1)
@example(tree=_unary_node("pow_array_exponent", _unary_node("pow_array_exponent", _leaf("x"))), seed=0)
@settings(max_examples=60)
def test_random_expression_trees_first_and_second_order(tree, seed):
    description, fn = tree
    rng = np.random.default_rng(seed)
    x, y = t64(rng.uniform(-1.5, 1.5, (2, 3))), t64(rng.uniform(-1.5, 1.5, (3,)))

    def wrapped(a, b):
        # every input takes part (a tree may use only one leaf): a small term keeps it used
        return fn(a, b) + 0.1 * mg.tanh(a).sum() * mg.tanh(b).sum()

    assert mg.gradcheck(wrapped, [x, y]), description
    assert mg.gradgradcheck(wrapped, [x, y]), description


# ------------------------------------------------------------- gradcheck itself can fail
def test_gradcheck_catches_a_wrong_first_derivative():
    wrong = Primitive("wrong_tanh", lambda xp, a: xp.tanh(a), lambda g, out, a: (g * (1.0 - out),))
    with pytest.raises(mg.GradcheckError, match=r"input 0 at index \(\d+,\): analytic .* vs numeric"):
        mg.gradcheck(lambda x: wrong(x), [t64([0.3, -0.7, 1.1])])


def test_gradgradcheck_catches_a_backward_pass_that_is_not_differentiable():
    # Right first derivative, but written with detached values: its own derivative is lost.
    detached = Primitive("detached_tanh", lambda xp, a: xp.tanh(a),
                         lambda g, out, a: (g * (1.0 - out.detach() * out.detach()),))
    assert mg.gradcheck(lambda x: detached(x), [t64([0.3, -0.7, 1.1])])
    with pytest.raises(mg.GradcheckError, match="gradgradcheck"):
        mg.gradgradcheck(lambda x: detached(x), [t64([0.3, -0.7, 1.1])])


def test_gradcheck_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        mg.gradcheck(mg.tanh, [mg.tensor([1.0, 2.0])])


# ---------------------------------------------------------------------- grad semantics
def test_grad_of_non_scalar_output_needs_grad_outputs():
    x = t64([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match=r"one-element outputs; this output has shape \(3,\)"):
        mg.grad(y, x)
    (g,) = mg.grad(y, x, grad_outputs=t64([1.0, 0.5, 2.0]))
    assert np.array_equal(g.numpy(), [2.0, 2.0, 12.0])  # 2x · v


def test_backward_on_non_scalar_without_gradient_says_so():
    x = t64([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for one-element outputs"):
        (x * 2.0).backward()


def test_grad_does_not_accumulate_into_dot_grad_but_backward_does():
    x = t64([1.0, -2.0], requires_grad=True)
    mg.grad((x * x).sum(), x)
    assert x.grad is None
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert np.array_equal(x.grad.numpy(), [4.0, -8.0])  # 2 · 2x, accumulated
    x.zero_grad()
    assert x.grad is None


def test_unused_input_raises_unless_allowed():
    x, y = t64([1.0], requires_grad=True), t64([2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="input 1 .* was not used"):
        mg.grad((x * 3.0).sum(), [x, y])
    gx, gy = mg.grad((x * 3.0).sum(), [x, y], allow_unused=True)
    assert gx.item() == 3.0 and gy is None


def test_grad_with_respect_to_an_intermediate_tensor():
    x = t64([0.5, -1.0], requires_grad=True)
    h = mg.tanh(x)
    y = (h * h).sum()
    gh, gx = mg.grad(y, [h, x])
    assert np.allclose(gh.numpy(), 2 * np.tanh([0.5, -1.0]))
    assert np.allclose(gx.numpy(), 2 * np.tanh([0.5, -1.0]) * (1 - np.tanh([0.5, -1.0]) ** 2))


def test_shared_subexpression_gradients_add_up():
    x = t64([3.0], requires_grad=True)
    h = x * x
    y = h * h + h  # x⁴ + x²  →  4x³ + 2x
    (g,) = mg.grad(y.sum(), x)
    assert g.item() == 4 * 27 + 6


def test_double_backprop_gives_second_derivative():
    x = t64([0.3, -1.2, 2.0], requires_grad=True)
    (first,) = mg.grad(mg.tanh(x).sum(), x, create_graph=True)
    assert first.requires_grad
    (second,) = mg.grad(first.sum(), x)
    th = np.tanh([0.3, -1.2, 2.0])
    assert np.allclose(first.detach().numpy(), 1 - th**2)
    assert np.allclose(second.numpy(), -2 * th * (1 - th**2))  # d²/dx² tanh


def test_third_derivative_by_repeated_create_graph():
    x = t64([0.7], requires_grad=True)
    y = x**4.0
    (d1,) = mg.grad(y.sum(), x, create_graph=True)
    (d2,) = mg.grad(d1.sum(), x, create_graph=True)
    (d3,) = mg.grad(d2.sum(), x)
    assert np.isclose(d3.item(), 24 * 0.7)


def test_no_grad_records_nothing():
    x = t64([1.0], requires_grad=True)
    with mg.no_grad():
        y = x * 2.0
        with mg.enable_grad():
            z = x * 3.0
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_detach_cuts_the_graph():
    x = t64([2.0], requires_grad=True)
    y = x * x.detach()
    (g,) = mg.grad(y.sum(), x)
    assert g.item() == 2.0


def test_graph_is_freed_after_backward_and_reuse_says_so():
    x = t64([1.0, 2.0], requires_grad=True)
    y = mg.tanh(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="already freed"):
        y.backward()


def test_retain_graph_allows_a_second_pass():
    x = t64([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert np.array_equal(x.grad.numpy(), [4.0, 8.0])


def test_training_loop_memory_does_not_grow():
    """10,000 training-style iterations: forward, backward, update. The graph of each
    step must be freed, so traced memory stays flat."""
    rng = np.random.default_rng(0)
    w = mg.tensor(rng.standard_normal((8, 8)) * 0.1, requires_grad=True)
    x = mg.tensor(rng.standard_normal((4, 8)))

    def step():
        loss = (mg.tanh(x @ w) ** 2).mean()
        loss.backward()
        w.data = w.data - 0.01 * w.grad.data
        w.grad = None

    for _ in range(200):  # warm up caches and allocator
        step()
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        for _ in range(10_000):
            step()
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    assert growth < 64 * 1024, f"memory grew by {growth} bytes over 10,000 steps"


# --------------------------------------------------------------------------- dtypes
def test_default_dtype_is_float32_and_float64_on_request():
    assert mg.tensor([1, 2, 3]).dtype == np.float32
    assert mg.tensor(2.5).dtype == np.float32
    assert mg.tensor(np.array([1.0])).dtype == np.float64  # a float64 array keeps its dtype
    assert mg.tensor([1.0], dtype="float64").dtype == np.float64
    assert mg.tensor(np.array([True, False])).dtype == np.float32


def test_python_scalars_do_not_change_dtype():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = mg.tanh(x * 2.5 + 1.0) ** 2 / 3.0
    assert y.dtype == np.float32
    (g,) = mg.grad(y.sum(), x, create_graph=True)
    assert g.dtype == np.float32


def test_float32_and_float64_tensors_do_not_mix_silently():
    message = r"mul: dtype mismatch, float32 \(shape \(2,\)\) and float64 \(shape \(3, 2\)\)"
    with pytest.raises(mg.DTypeError, match=message):
        mg.tensor([1.0, 2.0]) * mg.tensor(np.ones((3, 2)))


# ----------------------------------------------------------------------- bad inputs
def test_shape_mismatch_names_both_shapes_and_the_op():
    a, b = mg.tensor(np.ones((2, 3))), mg.tensor(np.ones((4, 3)))
    with pytest.raises(mg.ShapeError, match=r"add: operands of shapes \(2, 3\) and \(4, 3\)"):
        a + b
    with pytest.raises(mg.ShapeError, match=r"matmul: operands of shapes \(2, 3\) and \(4, 3\)"):
        a @ b


def test_reduction_over_a_missing_axis_is_an_error():
    with pytest.raises(ValueError, match="axis 2 is out of bounds"):
        mg.tensor(np.ones((2, 3))).sum(axis=2)


def test_mixing_backends_names_both():
    mg.backend.use("numpy")
    host = mg.tensor([1.0, 2.0])
    mg.backend.use("strict")
    strict = mg.tensor([1.0, 2.0])
    with pytest.raises(mg.backend.BackendMismatchError, match="numpy .* strict|strict .* numpy"):
        host + strict


def test_a_host_array_in_a_device_op_is_refused():
    mg.backend.use("strict")
    x = mg.tensor([1.0, 2.0])
    message = r"a numpy array \(shape \(2,\)\) mixed with a strict tensor"
    with pytest.raises(mg.backend.BackendMismatchError, match=message):
        x * np.array([1.0, 2.0], dtype=np.float32)


def test_gradient_shape_must_match_output():
    x = t64([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"gradient of shape \(3,\) given for an output of shape \(2,\)"):
        (x * 2.0).backward(t64([1.0, 1.0, 1.0]))


def test_bool_of_tensor_is_ambiguous():
    with pytest.raises(TypeError, match="ambiguous"):
        bool(mg.tensor([1.0, 2.0]))


# ------------------------------------------------------------------- gradient penalty
def test_gradient_penalty_of_a_tanh_mlp_against_finite_differences():
    """d/dθ (‖∇ₓD(x)‖ − 1)² for a 2→5→5→1 tanh MLP, θ = all weights and biases."""
    rng = np.random.default_rng(3)
    x = t64(rng.standard_normal((4, 2)))
    params = [t64(rng.standard_normal(s) * 0.8) for s in [(2, 5), (5,), (5, 5), (5,), (5, 1), (1,)]]

    def penalty(w1, b1, w2, b2, w3, b3):
        inputs = x.detach().requires_grad_()
        critic = mg.tanh(mg.tanh(inputs @ w1 + b1) @ w2 + b2) @ w3 + b3
        (grad_x,) = mg.grad(critic.sum(), inputs, create_graph=True)
        norms = mg.norm(grad_x, axis=1)
        return ((norms - 1.0) ** 2).mean()

    assert mg.gradcheck(penalty, params)


# ------------------------------------------------------------ tensors that cannot be
def test_tensor_of_none_is_refused():
    with pytest.raises(TypeError, match="None"):
        mg.tensor(None)
    with pytest.raises(TypeError, match="None"):
        mg.tensor([1.0, None])


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_only_floating_tensors_can_require_grad(dtype):
    data = mg.backend.asarray(np.array([1, 0]), dtype=dtype)
    with pytest.raises(TypeError, match=f"only floating.*{dtype}"):
        mg.tensor(data, dtype=dtype, requires_grad=True)
    with pytest.raises(TypeError, match=f"only floating.*{dtype}"):
        mg.Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match=f"only floating.*{dtype}"):
        mg.tensor(data, dtype=dtype).requires_grad_()


def test_casting_to_an_integer_dtype_leaves_the_graph():
    x = t64([1.5, 2.5], requires_grad=True)
    assert not x.astype("int64").requires_grad  # as PyTorch: integer tensors have no gradient
    assert x.astype("float32").requires_grad


@pytest.mark.parametrize("operand", [np.array([1, 2]), np.array([1.0, 2.0]), np.int64(3), np.float64(0.5),
                                     np.array(2.0)], ids=["int_array", "float64_array", "int64_scalar",
                                                          "float64_scalar", "zero_d_array"])
def test_a_plain_numpy_operand_takes_the_tensors_dtype(operand):
    # as PyTorch does with a NumPy scalar: the tensor's dtype wins, so the next op does not fail
    if mg.backend.name() != "numpy" and isinstance(operand, np.ndarray):  # host arrays stay refused there
        operand = mg.backend.asarray(operand)
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    for result in (x + operand, operand + x, x * operand, x - operand, operand / (x + 1.0), x ** operand):
        assert result.dtype == np.float32
        (result.sum() + mg.tensor([1.0, 1.0]).sum()).backward()


def test_tensor_to_takes_the_arguments_of_module_to():
    x = t64([1.0, 2.0], requires_grad=True)
    assert x.to() is x and x.to("float64") is x  # nothing to change
    y = x.to("float32")
    assert y.dtype == np.float32 and y.requires_grad  # a dtype change stays in the graph
    (g,) = mg.grad((y * y).sum(), x)
    assert g.dtype == np.float64 and np.array_equal(g.numpy(), [2.0, 4.0])
    other = "strict" if mg.backend.name() == "numpy" else "numpy"
    moved = x.to("float32", backend=other)
    assert moved.backend == other and moved.dtype == np.float32 and moved.is_leaf
    assert np.array_equal(moved.numpy(), [1.0, 2.0])


def test_the_graph_can_be_walked_through_public_attributes():
    x = t64([0.5, -1.0], requires_grad=True)
    w = t64([2.0, 3.0])
    y = mg.tanh(x * w + 1.0).sum()
    assert x.op_name is None and x.parents == () and x.is_leaf
    assert y.op_name == "sum" and y.parents[0].op_name == "tanh"
    added = y.parents[0].parents[0]
    assert added.op_name == "add" and len(added.parents) == 1 and added.parents[0].op_name == "mul"
    nodes = mg.autodiff.graph_nodes(y)
    assert [n.op_name for n in nodes] == [None, None, "mul", "add", "tanh", "sum"]
    assert nodes[0] is x and nodes[1] is w and nodes[-1] is y  # parents before children, each once
    y.backward()
    assert y.op_name == "<freed>" and y.parents == ()


def test_leaf_gradients_of_an_mlp_step_are_c_contiguous():
    # why the engine no longer copies leaf gradients into C order: the optimizer's elementwise
    # updates mix them with the C-ordered parameters, and every one already is (first and
    # second order, as in a WGAN-GP critic step)
    critic = mg.nn.MLP([2, 8, 8, 1], activation="tanh")
    x = mg.tensor(np.random.default_rng(0).normal(size=(16, 2)), requires_grad=True, dtype="float32")
    (gradient,) = mg.grad(critic(x).sum(), x, create_graph=True)
    (critic(x.detach()).mean() + (mg.norm(gradient, axis=1) ** 2).mean()).backward()
    for name, parameter in critic.named_parameters():
        data = parameter.grad.data
        assert data.shape == parameter.shape, name
        if mg.backend.name() == "numpy":  # (strict and CuPy arrays keep their own layout rules)
            assert data.flags.c_contiguous, name


def test_grad_with_respect_to_the_input_computes_no_weight_gradients(monkeypatch):
    # the WGAN-GP penalty's grad(D(x̂), x̂): one matrix product per layer in the backward pass
    # (g·W), none for the weights' gradients, which that pass does not want
    from minigan.autodiff import primitives

    critic = mg.nn.MLP([2, 8, 8, 1], activation="tanh", dtype="float64")
    x = t64(np.random.default_rng(0).normal(size=(5, 2)), requires_grad=True)
    scores = critic(x).sum()
    products = []
    for primitive in (primitives.matmul, primitives.linear):  # every matrix product goes through these
        for rule in ("forward", "kernel"):  # the plain expression, or its size-threaded kernel on NumPy
            original = getattr(primitive, rule)
            if original is not None:
                monkeypatch.setattr(primitive, rule,
                                    lambda xp, *arrays, original=original: products.append(1) or original(xp, *arrays))
    (gradient,) = mg.grad(scores, x, create_graph=True)
    assert len(products) == 3  # three Linear layers (it was 6: the weights' gᵀx were made and dropped)
    # the weights' gradients still flow through that graph when the penalty is differentiated
    (gradient * gradient).sum().backward()
    assert all(p.grad is not None for name, p in critic.named_parameters() if name != "4.bias")
