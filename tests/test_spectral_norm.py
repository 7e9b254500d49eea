"""power_iteration against numpy.linalg.norm(W, 2), and spectral normalization of a layer."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg

host = mg.backend.to_host


def device(array, dtype="float64"):
    return mg.backend.asarray(np.asarray(array), dtype=dtype)


# --------------------------------------------------------- power_iteration


@settings(max_examples=30)
@given(m=st.integers(1, 12), n=st.integers(1, 12), seed=st.integers(0, 2**32 - 1),
       scale=st.floats(1e-3, 1e3))
def test_power_iteration_matches_numpy_two_norm(m, n, seed, scale):
    W = scale * np.random.default_rng(seed).standard_normal((m, n))
    sigma, u, v, iterations = mg.nn.power_iteration(device(W), tol=1e-12, max_iter=100_000)
    assert sigma == pytest.approx(np.linalg.norm(W, 2), rel=1e-6)
    u, v = host(u), host(v)
    assert np.linalg.norm(u) == pytest.approx(1, abs=1e-12)
    assert np.linalg.norm(v) == pytest.approx(1, abs=1e-12)
    assert sigma == pytest.approx(u @ W @ v, rel=1e-12)  # σ is uᵀWv of the returned vectors
    assert 1 <= iterations < 100_000


@pytest.mark.parametrize("shape", [(64, 48), (20, 60), (40, 40)])
def test_warm_start_after_a_small_change_takes_far_fewer_iterations(shape):
    rng = np.random.default_rng(0)
    W = rng.standard_normal(shape)
    _, u, _, cold = mg.nn.power_iteration(device(W))
    W_next = W + 1e-3 * rng.standard_normal(shape)
    sigma, _, _, warm = mg.nn.power_iteration(device(W_next), u=u)
    _, _, _, cold_next = mg.nn.power_iteration(device(W_next))
    assert sigma == pytest.approx(np.linalg.norm(W_next, 2), rel=1e-8)
    assert cold >= 30 and cold_next >= 30
    assert warm <= cold_next / 3, (warm, cold_next)


def test_converged_warm_start_stops_after_one_iteration():
    W = np.diag([3.0, 1.0, 0.5])
    sigma, u, v, iterations = mg.nn.power_iteration(device(W), u=device([1.0, 0.0, 0.0]))
    assert (sigma, iterations) == (3.0, 1)
    np.testing.assert_array_equal(host(v), [1.0, 0.0, 0.0])


def test_non_symmetric_matrix_gets_its_singular_value_not_its_eigenvalue():
    # Both eigenvalues are 1, but WᵀW = [[1, 1], [1, 2]] has top eigenvalue (3 + √5)/2 = φ², so ‖W‖_s = φ.
    W = np.array([[1.0, 1.0], [0.0, 1.0]])
    sigma, *_ = mg.nn.power_iteration(device(W))
    assert sigma == pytest.approx((1 + 5**0.5) / 2, rel=1e-9)


def test_power_iteration_takes_tensors_keeps_dtype_and_backend():
    W = mg.tensor(np.random.default_rng(0).standard_normal((5, 3)).astype("float32"))
    sigma, u, v, _ = mg.nn.power_iteration(W)
    assert isinstance(sigma, float)
    assert u.dtype == "float32" and u.shape == (5,) and v.shape == (3,)
    assert mg.backend.backend_of(u) == mg.backend.name()
    assert sigma == pytest.approx(np.linalg.norm(W.numpy().astype("float64"), 2), rel=1e-5)


def test_zero_matrix_gives_zero_not_nan():
    sigma, u, v, _ = mg.nn.power_iteration(device(np.zeros((3, 2))))
    assert sigma == 0.0
    assert not np.any(np.isnan(host(u))) and not np.any(np.isnan(host(v)))


def test_power_iteration_refuses_bad_input_by_name():
    with pytest.raises(mg.ShapeError, match="matrix"):
        mg.nn.power_iteration(device(np.ones(3)))
    with pytest.raises(mg.ShapeError, match=r"u must have shape \(3,\).*\(2,\)"):
        mg.nn.power_iteration(device(np.ones((3, 2))), u=device(np.ones(2)))
    with pytest.raises(ValueError, match="max_iter"):
        mg.nn.power_iteration(device(np.ones((3, 2))), max_iter=0)


def test_power_iteration_warns_when_it_runs_out_of_iterations():
    W = np.diag([1.0, 0.999999])
    with pytest.warns(RuntimeWarning, match="did not reach"):
        mg.nn.power_iteration(device(W), u=device([1.0, 1.0]), max_iter=3, tol=0.0)


# ------------------------------------------------------------ spectral_norm


def sn_linear(in_features=4, out_features=3, bias=True, **options):
    layer = mg.nn.Linear(in_features, out_features, bias=bias, dtype="float64")
    return mg.nn.spectral_norm(layer, **options)


def test_spectral_norm_layout_follows_torch_utils_spectral_norm():
    layer = sn_linear()
    state = layer.state_dict()
    assert list(state) == ["bias", "weight_orig", "weight_u", "weight_v"]
    assert [state[k].shape for k in state] == [(3,), (3, 4), (3,), (4,)]
    assert [name for name, _ in layer.named_parameters()] == ["bias", "weight_orig"]


def test_eval_forward_is_x_times_w_over_sigma_with_the_stored_vectors():
    layer = sn_linear().eval()
    x = np.random.default_rng(0).standard_normal((5, 4))
    W, b = host(layer.weight_orig.data), host(layer.bias.data)
    u, v = host(layer.weight_u.data).copy(), host(layer.weight_v.data).copy()
    expected = x @ (W / (u @ W @ v)).T + b
    np.testing.assert_allclose(layer(device(x)).numpy(), expected, rtol=1e-13)
    np.testing.assert_array_equal(host(layer.weight_u.data), u)  # eval leaves u alone
    assert layer.weight_sigma.item() == pytest.approx(u @ W @ v, rel=1e-14)


def test_training_forward_advances_u_and_sigma_converges_to_the_two_norm():
    layer = sn_linear(6, 5, warmup_iterations=0)
    W = host(layer.weight_orig.data)
    u_before = host(layer.weight_u.data).copy()  # to_host may alias on NumPy
    layer(device(np.zeros((1, 6))))
    u_after = host(layer.weight_u.data)
    # one step from the stored u: v = Wᵀu/‖Wᵀu‖, u = Wv/‖Wv‖
    v = W.T @ u_before / np.linalg.norm(W.T @ u_before)
    np.testing.assert_allclose(u_after, W @ v / np.linalg.norm(W @ v), rtol=1e-12)
    for _ in range(300):
        layer(device(np.zeros((1, 6))))
    assert layer.weight_sigma.item() == pytest.approx(np.linalg.norm(W, 2), rel=1e-9)


def test_spectral_norm_gradient_against_finite_differences_with_u_held_fixed():
    layer = sn_linear().eval()  # eval: u, v stay fixed, so W ↦ f(W/σ(W)) is one smooth function
    x = mg.tensor(device(np.random.default_rng(1).standard_normal((2, 4))))

    def f(W):
        saved = layer._parameters["weight_orig"]
        layer._parameters["weight_orig"] = W  # test-only: let gradcheck's copy stand in for the parameter
        try:
            return layer(x)
        finally:
            layer._parameters["weight_orig"] = saved

    assert mg.gradcheck(f, [layer.weight_orig])


def test_spectral_norm_gradient_matches_the_closed_form():
    # ∂⟨G, W/σ⟩/∂W = G/σ − (⟨G, W⟩/σ²)·u vᵀ, with u, v the vectors of this forward
    layer = sn_linear(4, 3, bias=False)
    x = np.random.default_rng(2).standard_normal((5, 4))
    upstream = np.random.default_rng(3).standard_normal((5, 3))
    out = layer(device(x))  # training mode: u, v advance first
    out.backward(device(upstream))
    W, u, v = host(layer.weight_orig.data), host(layer.weight_u.data), host(layer.weight_v.data)
    sigma = u @ W @ v
    G = upstream.T @ x  # gradient with respect to the effective weight
    expected = G / sigma - (np.sum(G * W) / sigma**2) * np.outer(u, v)
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_later_buffer_updates_do_not_change_a_pending_backward():
    layer = sn_linear(3, 3)
    x = device(np.eye(3))
    out = layer(x)
    u, v = host(layer.weight_u.data).copy(), host(layer.weight_v.data).copy()
    layer(x)  # a second training forward moves u, v before the first backward runs
    out.sum().backward()
    W = host(layer.weight_orig.data)
    sigma = u @ W @ v
    G = np.ones((3, 3)).T @ np.eye(3)
    expected = G / sigma - (np.sum(G * W) / sigma**2) * np.outer(u, v)
    np.testing.assert_allclose(layer.weight_orig.grad.numpy(), expected, rtol=1e-10, atol=1e-12)


def test_remove_spectral_norm_keeps_the_function():
    layer = sn_linear().eval()
    x = device(np.random.default_rng(4).standard_normal((3, 4)))
    before = layer(x).numpy()
    mg.nn.remove_spectral_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer(x).numpy(), before, rtol=1e-14)


def test_spectral_norm_refuses_misuse():
    layer = sn_linear()
    with pytest.raises(ValueError, match="already"):
        mg.nn.spectral_norm(layer)
    with pytest.raises(ValueError, match="no parameter 'weight'"):
        mg.nn.spectral_norm(mg.nn.Tanh())


def test_spectral_norm_all_and_mlp_flag():
    mlp = mg.nn.MLP([2, 4, 1], spectral_norm=True)
    assert all(mg.nn.is_spectral_normalized(mlp[i]) for i in (0, 2))
    assert list(mlp.state_dict()) == ["0.bias", "0.weight_orig", "0.weight_u", "0.weight_v",
                                      "2.bias", "2.weight_orig", "2.weight_u", "2.weight_v"]
    other = mg.nn.spectral_norm_all(mg.nn.MLP([2, 4, 1]), n_power_iterations=3)
    assert other[0]._spectral_norm_hooks["weight"][1].n_power_iterations == 3


def test_optional_torch_spectral_norm_loads_our_state_and_agrees():
    torch = pytest.importorskip("torch")
    layer = sn_linear(4, 3).eval()
    theirs = torch.nn.utils.spectral_norm(torch.nn.Linear(4, 3).double()).eval()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = np.random.default_rng(5).standard_normal((6, 4))
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(device(x)).numpy(), expected, rtol=1e-12)
    # one training step each from the same u: the same power iteration
    layer.train()
    theirs.train()
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(layer(device(x)).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(host(layer.weight_u.data), theirs.weight_u.numpy(), rtol=1e-12)


# ------------------------------------------------------- power_iteration on hard input
@pytest.mark.parametrize("scale", [1e-13, 1e-300, 1e155, 1e300])
def test_power_iteration_is_scale_invariant(scale):
    # σ(c·I) = c: neither an absolute eps (1e-13) nor an overflowing norm (1e155) may decide
    sigma, u, v, _ = mg.nn.power_iteration(device(scale * np.eye(3)))
    assert sigma == pytest.approx(scale, rel=1e-12)
    W = np.array([[1.0, 1.0], [0.0, 1.0]])
    sigma, *_ = mg.nn.power_iteration(device(scale * W))
    assert sigma == pytest.approx(scale * (1 + 5**0.5) / 2, rel=1e-9)  # ‖W‖_s = φ


def test_power_iteration_refuses_a_zero_start_vector():
    with pytest.raises(ValueError, match="start vector u must be finite and non-zero"):
        mg.nn.power_iteration(device(np.eye(3)), u=device(np.zeros(3)))
    with pytest.raises(ValueError, match="start vector"):
        mg.nn.power_iteration(device(np.eye(3)), u=device([np.nan, 1.0, 0.0]))


def test_power_iteration_restarts_when_the_iterate_collapses():
    # W = e₁e₁ᵀ, u = e₂: Wᵀu = 0, the old code returned σ = 0 "converged"; ‖W‖_s = 1
    W = np.outer([1.0, 0.0, 0.0], [1.0, 0.0, 0.0])
    sigma, u, v, _ = mg.nn.power_iteration(device(W), u=device([0.0, 1.0, 0.0]))
    assert sigma == pytest.approx(1.0, rel=1e-10)
    assert abs(host(u)[0]) == pytest.approx(1.0, rel=1e-10)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_power_iteration_refuses_non_finite_matrices(bad):
    W = np.eye(3)
    W[1, 2] = bad
    with pytest.raises(ValueError, match="NaN or inf"):
        mg.nn.power_iteration(device(W))
