"""Lipschitz bounds (lesson 08), weight clipping (09) and spectral normalization (10)."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import minigan as mg

host = mg.backend.to_host


def device(array, dtype="float64"):
    return mg.backend.asarray(np.asarray(array), dtype=dtype)


def scale_weights(mlp, scale):
    for p in mlp.parameters():
        p.data[...] = p.data * scale


def two_norm(matrix):
    return np.linalg.norm(matrix, 2)


def weight_matrices(mlp):
    return [host(mg.nn.spectral_normalized_weight(layer)) for layer in mlp if isinstance(layer, mg.nn.Linear)]


networks = st.fixed_dictionaries({
    "sizes": st.lists(st.integers(1, 6), min_size=2, max_size=5),
    "activation": st.sampled_from(["tanh", "relu", "leaky_relu"]),
    "scale": st.floats(0.1, 10.0),
    "seed": st.integers(0, 2**16),
})


def make_mlp(spec):
    mg.manual_seed(spec["seed"])
    mlp = mg.nn.MLP(spec["sizes"], activation=spec["activation"], dtype="float64")
    scale_weights(mlp, spec["scale"])
    return mlp


# ----------------------------------------------------------------- bounds


@settings(max_examples=30)
@given(spec=networks, seed=st.integers(0, 2**16), spread=st.floats(0.01, 10.0))
def test_lipschitz_inequality_and_lower_below_upper(spec, seed, spread):
    mlp = make_mlp(spec)
    rng = np.random.default_rng(seed)
    x, y = spread * rng.standard_normal((2, 8, spec["sizes"][0]))
    upper = mg.nn.lipschitz_upper_bound(mlp)
    assert upper == pytest.approx(math.prod(two_norm(W) for W in weight_matrices(mlp)), rel=1e-12)
    gap = np.abs(mlp(mg.tensor(device(x))).numpy() - mlp(mg.tensor(device(y))).numpy())
    distance = np.linalg.norm(x - y, axis=1, keepdims=True)
    slack = 1e-12 * (1 + np.abs(mlp(mg.tensor(device(x))).numpy()))  # round-off of D itself
    assert np.all(gap <= upper * distance * (1 + 1e-10) + slack)
    if spec["sizes"][-1] == 1:
        lower = mg.nn.lipschitz_lower_bound(mlp, device(x), steps=3)
        assert lower <= upper * (1 + 1e-10)


def test_upper_bound_of_diagonal_layers_is_the_product_of_largest_entries():
    mlp = mg.nn.MLP([2, 2, 2], activation="relu", dtype="float64")
    mlp.load_state_dict({"0.weight": np.diag([3.0, -0.5]), "0.bias": np.zeros(2),
                         "2.weight": np.diag([0.25, -2.0]), "2.bias": np.ones(2)})
    assert mg.nn.lipschitz_upper_bound(mlp) == pytest.approx(3.0 * 2.0, rel=1e-14)
    assert mg.nn.lipschitz_upper_bound(mlp, method="power") == pytest.approx(6.0, rel=1e-9)
    assert [norm for _, norm in mg.nn.layer_spectral_norms(mlp)] == pytest.approx([3.0, 2.0])


def test_lower_bound_of_a_linear_network_is_the_norm_of_the_product():
    # D(x) = w2 W1 x: its gradient is the constant (w2 W1)ᵀ, so lower = ‖w2 W1‖ ≤ ‖W1‖‖w2‖ = upper
    net = mg.nn.Sequential(mg.nn.Linear(3, 4, dtype="float64"), mg.nn.Linear(4, 1, dtype="float64"))
    W1, w2 = host(net[0].weight.data), host(net[1].weight.data)
    lower = mg.nn.lipschitz_lower_bound(net, device(np.zeros((2, 3))))
    assert lower == pytest.approx(np.linalg.norm(w2 @ W1), rel=1e-12)
    assert mg.nn.lipschitz_upper_bound(net) == pytest.approx(two_norm(W1) * two_norm(w2), rel=1e-12)


def test_lower_bound_climbs_to_the_steepest_point_of_a_tanh_bump():
    # D(x) = a·tanh(w·x + b): |D'| = |a w|(1 − tanh²) peaks at |a w| where w·x + b = 0, i.e. x = 0.5.
    net = mg.nn.MLP([1, 1, 1], activation="tanh", dtype="float64")
    net.load_state_dict({"0.weight": np.array([[2.0]]), "0.bias": np.array([-1.0]),
                         "2.weight": np.array([[1.5]]), "2.bias": np.array([0.0])})
    start = device([[1.5], [-0.8]])
    at_start = 3.0 * (1 - np.tanh(2.0 * np.array([1.5, -0.8]) - 1.0) ** 2).max()
    found = mg.nn.lipschitz_lower_bound(net, start, steps=60, lr=0.05)
    assert found > at_start + 0.5
    # normalized steps of 0.05 pass within 0.025 of the peak: |D'| ≥ 3(1 − tanh²(0.05)) > 0.99·3
    assert 3.0 * 0.99 <= found <= 3.0
    assert mg.nn.lipschitz_lower_bound(net, start, steps=0) == pytest.approx(at_start, rel=1e-12)


def test_upper_bound_refuses_what_it_cannot_bound():
    steep = mg.nn.Sequential(mg.nn.Linear(2, 2), mg.nn.LeakyReLU(2.0), mg.nn.Linear(2, 1))
    with pytest.raises(ValueError, match=r"1 \(LeakyReLU\) has slopes up to 2"):
        mg.nn.lipschitz_upper_bound(steep)

    class Square(mg.nn.Module):
        def forward(self, x):
            return x * x

    with pytest.raises(ValueError, match=r"1 \(Square\).*max_slope"):
        mg.nn.lipschitz_upper_bound(mg.nn.Sequential(mg.nn.Linear(2, 2), Square()))
    with pytest.raises(ValueError, match="'fro'"):
        mg.nn.lipschitz_upper_bound(mg.nn.MLP([2, 1]), method="fro")


def test_lower_bound_refuses_vector_outputs_and_mismatched_dtypes():
    with pytest.raises(mg.ShapeError, match="one output per point.*Jacobian"):
        mg.nn.lipschitz_lower_bound(mg.nn.MLP([2, 3, 2], dtype="float64"), device(np.zeros((4, 2))))
    with pytest.raises(mg.DTypeError, match="float64.*float32"):
        mg.nn.lipschitz_lower_bound(mg.nn.MLP([2, 3, 1]), device(np.zeros((4, 2))))


def test_lower_bound_leaves_the_critic_as_it_was():
    critic = mg.nn.MLP([2, 4, 1], dtype="float64", spectral_norm=True)
    u = host(critic[0].weight_u.data).copy()
    mg.nn.lipschitz_lower_bound(critic, device(np.ones((3, 2))), steps=5)
    assert critic.training
    np.testing.assert_array_equal(host(critic[0].weight_u.data), u)


# ---------------------------------------------------------------- clipping


def test_clipping_bound_by_hand_and_attained_by_a_constant_matrix():
    assert mg.nn.clipping_bound(0.01, (512, 2)) == pytest.approx(0.01 * 32)  # √1024 = 32
    assert mg.nn.clipping_bound(0.5, (3, 12)) == pytest.approx(3.0)           # 0.5·√36
    assert two_norm(np.full((3, 12), 0.5)) == pytest.approx(mg.nn.clipping_bound(0.5, (3, 12)))
    with pytest.raises(ValueError, match="shape"):
        mg.nn.clipping_bound(0.1, (3,))


@settings(max_examples=30)
@given(spec=networks, c=st.floats(1e-3, 1.0))
def test_after_clipping_every_entry_and_every_spectral_norm_is_bounded(spec, c):
    mlp = make_mlp(spec)
    mg.nn.clip_weights(mlp, c)
    for p in mlp.parameters():
        assert np.abs(host(p.data)).max() <= c
    for W in weight_matrices(mlp):
        bound = mg.nn.clipping_bound(c, W.shape)
        assert two_norm(W) <= bound * (1 + 1e-12)
        m, l = W.shape
        assert bound <= c * l * math.sqrt(m) * (1 + 1e-12)  # the sources' looser bound
    assert mg.nn.lipschitz_upper_bound(mlp) <= math.prod(
        mg.nn.clipping_bound(c, W.shape) for W in weight_matrices(mlp)) * (1 + 1e-12)


def test_clip_weights_clips_biases_too_and_keeps_inner_values():
    layer = mg.nn.Linear(2, 2, dtype="float64")
    layer.load_state_dict({"weight": np.array([[0.5, -0.003], [-2.0, 0.0]]),
                           "bias": np.array([0.02, -0.001])})
    mg.nn.clip_weights(layer, 0.01)
    np.testing.assert_array_equal(layer.weight.numpy(), [[0.01, -0.003], [-0.01, 0.0]])
    np.testing.assert_array_equal(layer.bias.numpy(), [0.01, -0.001])
    with pytest.raises(ValueError, match="positive"):
        mg.nn.clip_weights(layer, -1)


# ---------------------------------------------------- spectral normalization


@settings(max_examples=20)
@given(spec=networks, seed=st.integers(0, 2**16))
def test_spectral_normalization_makes_every_layer_and_the_network_1_lipschitz(spec, seed):
    mlp = make_mlp(spec)
    # top singular values well separated, so 1000 warm iterations reach 1e-6 (error ~ (σ₂/σ₁)^(2k))
    for W in weight_matrices(mlp):
        singular = np.linalg.svd(W, compute_uv=False)
        assume(len(singular) == 1 or singular[1] <= 0.99 * singular[0])
    mg.nn.spectral_norm_all(mlp, n_power_iterations=50)
    x = np.random.default_rng(seed).standard_normal((16, spec["sizes"][0]))
    for _ in range(20):  # training steps: u is warm-started each time
        mlp(mg.tensor(device(x)))
    for W in weight_matrices(mlp):
        assert two_norm(W) <= 1 + 1e-6
    if spec["sizes"][-1] == 1:
        points = mg.tensor(device(x), requires_grad=True)
        (gradient,) = mg.grad(mlp(points).sum(), points)
        assert np.linalg.norm(gradient.numpy(), axis=1).max() <= 1 + 1e-6
        assert mg.nn.lipschitz_lower_bound(mlp, device(x), steps=3) <= 1 + 1e-6
    assert mg.nn.lipschitz_upper_bound(mlp) <= (1 + 1e-6) ** (len(spec["sizes"]) - 1)
