"""SGD, RMSprop and Adam against updates computed by hand from PyTorch's equations."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg

P0 = [1.0, -2.0]
G1 = [0.5, 1.0]
G2 = [-1.0, 0.25]


def parameter(values, dtype="float64"):
    return mg.nn.Parameter(mg.backend.asarray(np.asarray(values), dtype=dtype))


def set_grad(p, values):
    p.grad = mg.tensor(mg.backend.asarray(np.asarray(values), dtype=p.dtype))


def two_steps(optimizer_class, dtype="float64", **options):
    p = parameter(P0, dtype)
    optimizer = optimizer_class([p], **options)
    set_grad(p, G1)
    optimizer.step()
    first = p.numpy().copy()
    set_grad(p, G2)
    optimizer.step()
    return first, p.numpy()


def test_sgd_plain_and_with_momentum_two_steps():
    first, second = two_steps(mg.optim.SGD, lr=0.1)
    np.testing.assert_allclose(first, [0.95, -2.1], rtol=1e-15)        # p − 0.1·g1
    np.testing.assert_allclose(second, [1.05, -2.125], rtol=1e-15)     # − 0.1·g2
    first, second = two_steps(mg.optim.SGD, lr=0.1, momentum=0.9)
    # b1 = g1;  b2 = 0.9·(0.5, 1) + (−1, 0.25) = (−0.55, 1.15)
    np.testing.assert_allclose(first, [0.95, -2.1], rtol=1e-15)
    np.testing.assert_allclose(second, [1.005, -2.215], rtol=1e-15)


def test_sgd_weight_decay_and_nesterov_two_steps():
    first, second = two_steps(mg.optim.SGD, lr=0.1, weight_decay=0.1)
    # g1' = (0.5 + 0.1, 1 − 0.2) = (0.6, 0.8) → p1 = (0.94, −2.08)
    # g2' = (−1 + 0.094, 0.25 − 0.208) = (−0.906, 0.042) → p2 = (1.0306, −2.0842)
    np.testing.assert_allclose(first, [0.94, -2.08], rtol=1e-15)
    np.testing.assert_allclose(second, [1.0306, -2.0842], rtol=1e-14)
    first, second = two_steps(mg.optim.SGD, lr=0.1, momentum=0.5, nesterov=True)
    # b1 = g1, step g1 + 0.5·b1 = (0.75, 1.5) → p1 = (0.925, −2.15)
    # b2 = 0.5·b1 + g2 = (−0.75, 0.75), step g2 + 0.5·b2 = (−1.375, 0.625) → p2 = (1.0625, −2.2125)
    np.testing.assert_allclose(first, [0.925, -2.15], rtol=1e-15)
    np.testing.assert_allclose(second, [1.0625, -2.2125], rtol=1e-15)


def test_rmsprop_two_steps():
    lr, alpha, eps = 0.01, 0.9, 1e-8
    first, second = two_steps(mg.optim.RMSprop, lr=lr, alpha=alpha, eps=eps)
    expected_first, expected_second = [], []
    for p, g1, g2 in zip(P0, G1, G2):
        v1 = (1 - alpha) * g1**2
        p1 = p - lr * g1 / (math.sqrt(v1) + eps)
        v2 = alpha * v1 + (1 - alpha) * g2**2
        expected_first.append(p1)
        expected_second.append(p1 - lr * g2 / (math.sqrt(v2) + eps))
    np.testing.assert_allclose(first, expected_first, rtol=1e-14)
    np.testing.assert_allclose(second, expected_second, rtol=1e-14)
    # by hand for the first coordinate: v1 = 0.025, √v1 = 0.158113883…, p1 = 1 − 0.005/(0.158113883 + 1e-8)
    assert abs(first[0] - (1 - 0.01 * 0.5 / (math.sqrt(0.025) + 1e-8))) < 1e-15
    assert abs(first[0] - 0.96837722) < 1e-8


def test_rmsprop_centered_with_momentum_two_steps():
    lr, alpha, eps, mu = 0.01, 0.9, 1e-8, 0.5
    first, second = two_steps(mg.optim.RMSprop, lr=lr, alpha=alpha, eps=eps, momentum=mu, centered=True)
    for index, (p, g1, g2) in enumerate(zip(P0, G1, G2)):
        v1, m1 = (1 - alpha) * g1**2, (1 - alpha) * g1
        b1 = g1 / (math.sqrt(v1 - m1**2) + eps)
        p1 = p - lr * b1
        v2, m2 = alpha * v1 + (1 - alpha) * g2**2, alpha * m1 + (1 - alpha) * g2
        b2 = mu * b1 + g2 / (math.sqrt(v2 - m2**2) + eps)
        assert first[index] == pytest.approx(p1, rel=1e-13)
        assert second[index] == pytest.approx(p1 - lr * b2, rel=1e-13)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_two_steps(amsgrad):
    lr, b1, b2, eps = 0.1, 0.5, 0.9, 1e-8
    first, second = two_steps(mg.optim.Adam, lr=lr, betas=(b1, b2), eps=eps, amsgrad=amsgrad)
    for index, (p, g1, g2) in enumerate(zip(P0, G1, G2)):
        m, v = (1 - b1) * g1, (1 - b2) * g1**2
        p1 = p - lr / (1 - b1) * m / (math.sqrt(v) / math.sqrt(1 - b2) + eps)
        m, v_new = b1 * m + (1 - b1) * g2, b2 * v + (1 - b2) * g2**2
        v = max(v, v_new) if amsgrad else v_new
        p2 = p1 - lr / (1 - b1**2) * m / (math.sqrt(v) / math.sqrt(1 - b2**2) + eps)
        assert first[index] == pytest.approx(p1, rel=1e-14)
        assert second[index] == pytest.approx(p2, rel=1e-14)
    # the first Adam step moves each coordinate by lr·g/(|g| + eps·…) ≈ lr·sign(g)
    np.testing.assert_allclose(first, [0.9, -2.1], rtol=1e-7)


def test_adam_weight_decay_adds_to_the_gradient():
    first, _ = two_steps(mg.optim.Adam, lr=0.1, weight_decay=1.0)
    # g' = g + p = (1.5, −1) → first step ≈ −lr·sign(g') = (−0.1, +0.1)
    np.testing.assert_allclose(first, [0.9, -1.9], rtol=1e-7)


@pytest.mark.parametrize("optimizer_class, options", [
    (mg.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (mg.optim.RMSprop, {"lr": 0.01}),
    (mg.optim.Adam, {"lr": 0.01}),
])
def test_float32_stays_float32_and_agrees_with_float64(optimizer_class, options):
    first32, second32 = two_steps(optimizer_class, "float32", **options)
    first64, second64 = two_steps(optimizer_class, "float64", **options)
    assert second32.dtype == np.float32
    np.testing.assert_allclose(second32, second64, rtol=2e-6)


def test_read_only_broadcast_gradient_is_read_not_written():
    p = parameter(np.zeros((3, 2)))
    row = mg.backend.asarray(np.array([1.0, -1.0]))
    broadcast = mg.backend.xp().broadcast_to(row, (3, 2))  # a read-only view
    p.grad = mg.Tensor(broadcast)
    optimizer = mg.optim.Adam([p], lr=0.1)
    optimizer.step()
    optimizer.step()
    np.testing.assert_array_equal(mg.backend.to_host(broadcast), [[1.0, -1.0]] * 3)
    np.testing.assert_allclose(p.numpy(), [[-0.2, 0.2]] * 3, rtol=1e-6)


def test_parameters_without_gradient_are_skipped_and_zero_grad_clears():
    a, b = parameter([1.0]), parameter([2.0])
    optimizer = mg.optim.SGD([a, b], lr=0.5)
    set_grad(a, [1.0])
    optimizer.step()
    assert a.numpy()[0] == 0.5 and b.numpy()[0] == 2.0
    assert optimizer.state_dict()["state.1.step"] == 0
    optimizer.zero_grad()
    assert a.grad is None


def test_hyperparameters_are_attributes_like_torch_param_group_entries():
    optimizer = mg.optim.Adam([parameter([1.0])], lr=1e-4, betas=(0.5, 0.9))
    assert optimizer.lr == 1e-4 and optimizer.betas == (0.5, 0.9)
    optimizer.lr = 1e-3
    assert optimizer.state_dict()["lr"] == 1e-3


def test_bad_arguments_are_refused_with_names():
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.optim.SGD([], lr=0.1)
    with pytest.raises(ValueError, match="lr"):
        mg.optim.SGD([parameter([1.0])], lr=-1)
    with pytest.raises(ValueError, match="betas"):
        mg.optim.Adam([parameter([1.0])], betas=(0.9, 1.0))
    p = parameter([1.0])
    with pytest.raises(ValueError, match="twice"):
        mg.optim.Adam([p, p])
    with pytest.raises(TypeError, match="single Tensor"):
        mg.optim.Adam(p)


@pytest.mark.parametrize("optimizer_class, options", [
    (mg.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    (mg.optim.RMSprop, {"lr": 0.01, "momentum": 0.5, "centered": True}),
    (mg.optim.Adam, {"lr": 0.01, "betas": (0.5, 0.9), "amsgrad": True}),
])
def test_state_dict_round_trip_through_npz_continues_identically(tmp_path, optimizer_class, options):
    rng = np.random.default_rng(0)
    shapes = [(3, 2), (3,)]
    original = [parameter(rng.standard_normal(s)) for s in shapes]
    optimizer = optimizer_class(original, **options)
    for _ in range(2):
        for p in original:
            set_grad(p, rng.standard_normal(p.shape))
        optimizer.step()
    np.savez(tmp_path / "opt.npz", **optimizer.state_dict())
    copies = [parameter(p.numpy()) for p in original]
    restored = optimizer_class(copies, lr=123.0)  # hyperparameters come back from the checkpoint too
    with np.load(tmp_path / "opt.npz", allow_pickle=False) as archive:
        restored.load_state_dict(dict(archive))
    for key, value in optimizer.state_dict().items():
        np.testing.assert_array_equal(restored.state_dict()[key], value)
    gradients = [rng.standard_normal(s) for s in shapes]
    for params, opt in ((original, optimizer), (copies, restored)):
        for p, g in zip(params, gradients):
            set_grad(p, g)
        opt.step()
    for p, q in zip(original, copies):
        np.testing.assert_array_equal(p.numpy(), q.numpy())


def test_load_state_dict_names_bad_keys_and_shapes():
    optimizer = mg.optim.Adam([parameter([1.0, 2.0])], lr=0.1)
    set_grad(optimizer.params[0], [1.0, 1.0])
    optimizer.step()
    state = optimizer.state_dict()
    bad = dict(state)
    bad["state.0.exp_avg"] = np.zeros(3)
    bad["state.7.exp_avg"] = np.zeros(2)
    del bad["state.0.exp_avg_sq"]
    bad["lr"] = -0.5
    with pytest.raises(ValueError) as error:
        optimizer.load_state_dict(bad)
    message = str(error.value)
    assert "unexpected keys: 'state.7.exp_avg'" in message
    assert "missing keys: 'state.0.exp_avg_sq'" in message
    assert "'state.0.exp_avg' has shape (3,), expected (2,)" in message
    assert "lr must be a finite number ≥ 0, got -0.5" in message
    assert optimizer.lr == 0.1
    np.testing.assert_array_equal(optimizer.state_dict()["state.0.exp_avg"], state["state.0.exp_avg"])


@settings(max_examples=25)
@given(g=st.lists(st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3), min_size=1, max_size=6),
       lr=st.floats(1e-4, 1.0))
def test_adam_first_step_is_lr_times_g_over_abs_g_plus_eps(g, lr):
    # Closed form of step 1: m̂ = g, √v̂ = |g|, so Δp = −lr·g/(|g| + eps).
    eps = 1e-8
    p = parameter(np.zeros(len(g)))
    optimizer = mg.optim.Adam([p], lr=lr, eps=eps)
    set_grad(p, g)
    optimizer.step()
    expected = [-lr * x / (abs(x) + eps) for x in g]
    np.testing.assert_allclose(p.numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("name, options", [
    ("SGD", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01, "nesterov": True}),
    ("RMSprop", {"lr": 0.01, "alpha": 0.9, "momentum": 0.3, "centered": True, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.5, 0.9), "weight_decay": 0.01, "amsgrad": True}),
])
def test_optional_cross_check_against_torch(name, options):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    start = rng.standard_normal((4, 3))
    ours = parameter(start)
    theirs = torch.nn.Parameter(torch.from_numpy(start.copy()))
    our_optimizer = getattr(mg.optim, name)([ours], **options)
    their_optimizer = getattr(torch.optim, name)([theirs], **options)
    for _ in range(4):
        g = rng.standard_normal((4, 3))
        set_grad(ours, g)
        theirs.grad = torch.from_numpy(g.copy())
        our_optimizer.step()
        their_optimizer.step()
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("optimizer_class, name, bad", [
    (mg.optim.SGD, "lr", -0.1), (mg.optim.SGD, "lr", math.nan), (mg.optim.SGD, "momentum", -1.0),
    (mg.optim.RMSprop, "lr", -1e-4), (mg.optim.RMSprop, "alpha", 1.5),
    (mg.optim.Adam, "lr", -1e-4), (mg.optim.Adam, "betas", (0.9, 1.0)), (mg.optim.Adam, "eps", math.inf),
])
def test_hyperparameters_are_validated_on_assignment_too(optimizer_class, name, bad):
    optimizer = optimizer_class([parameter([1.0])], lr=0.1)
    before = getattr(optimizer, name)
    with pytest.raises(ValueError, match=name):
        setattr(optimizer, name, bad)
    assert getattr(optimizer, name) == before  # a refused value is not kept
    optimizer.lr = 0.01  # a valid one is
    assert optimizer.lr == 0.01
