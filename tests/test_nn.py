"""Module, Parameter, the layers, initialisation and state dicts (PyTorch's conventions)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigan as mg
from minigan.nn import init

host = mg.backend.to_host


def on_backend(array, dtype="float64"):
    return mg.tensor(mg.backend.asarray(np.asarray(array), dtype=dtype))


def parameters_swapped_in(module, names):
    """fn(x, *tensors) that runs ``module`` with the named parameters replaced by the
    given tensors, so mg.gradcheck can differentiate the module's own forward pass."""

    def fn(x, *tensors):
        saved = {}
        for name, tensor in zip(names, tensors):
            owner_path, _, leaf = name.rpartition(".")
            owner = module.get_submodule(owner_path) if owner_path else module
            saved[name] = (owner, leaf, owner._parameters[leaf])
            owner._parameters[leaf] = tensor  # test-only: bypasses the Parameter type check
        try:
            return module(x)
        finally:
            for owner, leaf, original in saved.values():
                owner._parameters[leaf] = original

    return fn


# ------------------------------------------------------------------ Linear


def test_linear_forward_is_x_times_w_transposed_plus_b():
    layer = mg.nn.Linear(3, 2, dtype="float64")
    x = np.array([[1.0, -2.0, 0.5], [0.0, 3.0, -1.0]])
    expected = x @ host(layer.weight.data).T + host(layer.bias.data)
    np.testing.assert_allclose(layer(on_backend(x)).numpy(), expected, rtol=1e-14)
    assert layer.weight.shape == (2, 3)
    assert layer.bias.shape == (2,)


def test_linear_takes_single_vectors_and_stacked_batches():
    layer = mg.nn.Linear(3, 2, dtype="float64")
    W, b = host(layer.weight.data), host(layer.bias.data)
    vector = np.array([1.0, -1.0, 2.0])
    np.testing.assert_allclose(layer(on_backend(vector)).numpy(), W @ vector + b, rtol=1e-14)
    stacked = np.random.default_rng(0).standard_normal((2, 4, 3))
    np.testing.assert_allclose(layer(on_backend(stacked)).numpy(), stacked @ W.T + b, rtol=1e-13)


def test_weight_gradient_comes_back_in_the_weights_memory_order():
    # gᵀx, not a transposed view: optimizer updates then never mix memory orders (a 5× slowdown)
    layer = mg.nn.Linear(4, 3, dtype="float64")
    x = np.random.default_rng(0).standard_normal((5, 4))
    layer(on_backend(x)).sum().backward()
    assert layer.weight.grad.data.flags.c_contiguous
    np.testing.assert_allclose(layer.weight.grad.numpy(), np.ones((5, 3)).T @ x, rtol=1e-14)


def test_linear_without_bias_has_no_bias_entry():
    layer = mg.nn.Linear(3, 2, bias=False, dtype="float64")
    assert layer.bias is None
    assert list(layer.state_dict()) == ["weight"]
    x = np.array([[1.0, 2.0, 3.0]])
    np.testing.assert_allclose(layer(on_backend(x)).numpy(), x @ host(layer.weight.data).T, rtol=1e-14)


def test_linear_default_init_draws_torch_order_from_the_seeded_generator():
    # PyTorch: weight ~ U(±1/√in) (kaiming_uniform, a=√5), then bias ~ U(±1/√in).
    mg.manual_seed(123)
    layer = mg.nn.Linear(4, 3)
    rng = np.random.default_rng(123)
    bound = 1 / math.sqrt(4)
    expected_weight = rng.uniform(-bound, bound, (3, 4)).astype("float32")
    expected_bias = rng.uniform(-bound, bound, (3,)).astype("float32")
    np.testing.assert_array_equal(layer.weight.numpy(), expected_weight)
    np.testing.assert_array_equal(layer.bias.numpy(), expected_bias)


def test_parameters_live_on_the_active_backend_in_the_default_or_given_dtype():
    layer = mg.nn.Linear(2, 2)
    assert isinstance(layer.weight, mg.nn.Parameter) and layer.weight.requires_grad
    assert layer.weight.backend == mg.backend.name()
    assert layer.weight.dtype == "float32"
    assert mg.nn.Linear(2, 2, dtype="float64").weight.dtype == "float64"
    mg.set_default_dtype("float64")
    assert mg.nn.Linear(2, 2).bias.dtype == "float64"


@pytest.mark.parametrize("scheme, std", [("he", math.sqrt(2 / 200)), ("he_normal", math.sqrt(2 / 200)),
                                         ("xavier", math.sqrt(2 / (200 + 300))),
                                         ("default", math.sqrt(1 / 200) / math.sqrt(3))])
def test_init_schemes_have_the_textbook_standard_deviation(scheme, std):
    layer = mg.nn.Linear(200, 300, dtype="float64", init=scheme)
    weight = layer.weight.numpy()
    # 60 000 draws: the sample sd is within ~0.5 % of the truth; 3 % is generous.
    assert abs(weight.std() / std - 1) < 0.03
    if scheme in ("he", "xavier", "default"):
        assert np.abs(weight).max() <= std * math.sqrt(3) + 1e-15  # uniform: bound = √3·sd
    if scheme != "default":
        assert not np.any(layer.bias.numpy())


def test_calculate_gain_matches_torch_table():
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    with pytest.raises(ValueError, match="softmax"):
        init.calculate_gain("softmax")


def test_same_seed_same_network_different_seed_different_network():
    mg.manual_seed(5)
    first = mg.nn.MLP([2, 8, 1]).state_dict()
    mg.manual_seed(5)
    second = mg.nn.MLP([2, 8, 1]).state_dict()
    mg.manual_seed(6)
    third = mg.nn.MLP([2, 8, 1]).state_dict()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    assert not np.array_equal(first["0.weight"], third["0.weight"])


def test_linear_rejects_wrong_input_width_with_both_shapes():
    layer = mg.nn.Linear(3, 2)
    with pytest.raises(mg.ShapeError, match=r"Linear\(3, 2\).*\(4, 5\)"):
        layer(mg.tensor(np.zeros((4, 5), dtype="float32")))
    with pytest.raises(ValueError, match="in_features"):
        mg.nn.Linear(0, 2)


# ------------------------------------------------------------- activations


def test_activations_compute_their_formulas_and_declare_their_slopes():
    x = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    t = on_backend(x)
    np.testing.assert_allclose(mg.nn.Tanh()(t).numpy(), np.tanh(x), rtol=1e-14)
    np.testing.assert_allclose(mg.nn.ReLU()(t).numpy(), np.maximum(x, 0))
    np.testing.assert_allclose(mg.nn.LeakyReLU(0.2)(t).numpy(), np.where(x > 0, x, 0.2 * x))
    np.testing.assert_allclose(mg.nn.Sigmoid()(t).numpy(), 1 / (1 + np.exp(-x)), rtol=1e-14)
    assert mg.nn.Tanh.max_slope == 1.0 and mg.nn.ReLU.max_slope == 1.0
    assert mg.nn.Sigmoid.max_slope == 0.25
    assert mg.nn.LeakyReLU(0.01).max_slope == 1.0
    assert mg.nn.LeakyReLU(-3.0).max_slope == 3.0


# ------------------------------------------------------- Sequential and MLP


def test_mlp_layout_matches_torch_sequential():
    mlp = mg.nn.MLP([2, 512, 1])
    assert [type(m).__name__ for m in mlp] == ["Linear", "Tanh", "Linear"]
    state = mlp.state_dict()
    assert list(state) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert [state[k].shape for k in state] == [(512, 2), (512,), (1, 512), (1,)]
    assert all(type(value) is np.ndarray for value in state.values())

    deep = mg.nn.MLP([2, 4, 4, 4, 3], activation="relu", final_activation="sigmoid")
    assert [type(m).__name__ for m in deep] == ["Linear", "ReLU", "Linear", "ReLU", "Linear", "ReLU",
                                                 "Linear", "Sigmoid"]
    assert list(deep.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias",
                                       "6.weight", "6.bias"]


def test_mlp_forward_equals_a_plain_numpy_forward():
    mlp = mg.nn.MLP([3, 5, 4, 2], activation="tanh", dtype="float64")
    state = mlp.state_dict()
    x = np.random.default_rng(1).standard_normal((6, 3))
    h = np.tanh(x @ state["0.weight"].T + state["0.bias"])
    h = np.tanh(h @ state["2.weight"].T + state["2.bias"])
    expected = h @ state["4.weight"].T + state["4.bias"]
    np.testing.assert_allclose(mlp(on_backend(x)).numpy(), expected, rtol=1e-13)


def test_mlp_rejects_unknown_activation_and_too_few_sizes():
    with pytest.raises(ValueError, match="'swish'"):
        mg.nn.MLP([2, 3, 1], activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        mg.nn.MLP([2])


def test_mlp_accepts_an_activation_factory():
    mlp = mg.nn.MLP([2, 3, 1], activation=lambda: mg.nn.LeakyReLU(0.2))
    assert mlp[1].negative_slope == 0.2


def test_gradcheck_linear_inputs_and_parameters():
    layer = mg.nn.Linear(3, 2, dtype="float64")
    fn = parameters_swapped_in(layer, ["weight", "bias"])
    x = on_backend(np.random.default_rng(2).standard_normal((4, 3)))
    assert mg.gradcheck(fn, [x, layer.weight, layer.bias])


@pytest.mark.parametrize("activation", ["tanh", "relu", "leaky_relu", "sigmoid"])
def test_gradcheck_mlp(activation):
    mlp = mg.nn.MLP([2, 4, 3, 1], activation=activation, dtype="float64")
    names = [name for name, _ in mlp.named_parameters()]
    fn = parameters_swapped_in(mlp, names)
    # points away from relu's kink (finite differences straddling it would disagree)
    x = on_backend(np.random.default_rng(3).uniform(-1, 1, (3, 2)))
    assert mg.gradcheck(fn, [x, *mlp.parameters()])


def test_backward_fills_every_parameter_grad_and_zero_grad_clears_it():
    mlp = mg.nn.MLP([2, 3, 1], dtype="float64")
    mlp(on_backend(np.ones((4, 2)))).sum().backward()
    assert all(p.grad is not None and p.grad.shape == p.shape for p in mlp.parameters())
    # d(Σ_rows out)/d(last bias) = number of rows
    np.testing.assert_allclose(mlp[2].bias.grad.numpy(), [4.0])
    mlp.zero_grad()
    assert all(p.grad is None for p in mlp.parameters())


# ------------------------------------------------------------------ Module


class TwoLayer(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = mg.nn.Linear(2, 3)
        self.scale = mg.nn.Parameter(mg.backend.xp().ones((1,), dtype="float32"))
        self.register_buffer("calls", mg.tensor([0.0]))
        self.out = mg.nn.Sequential(mg.nn.Tanh(), mg.nn.Linear(3, 1))

    def forward(self, x):
        return self.out(self.hidden(x)) * self.scale


def test_named_parameters_children_buffers_and_modes():
    net = TwoLayer()
    assert [name for name, _ in net.named_parameters()] == ["scale", "hidden.weight", "hidden.bias",
                                                            "out.1.weight", "out.1.bias"]
    assert [type(c).__name__ for c in net.children()] == ["Linear", "Sequential"]
    assert [name for name, _ in net.named_buffers()] == ["calls"]
    assert list(net.state_dict()) == ["scale", "calls", "hidden.weight", "hidden.bias", "out.1.weight",
                                      "out.1.bias"]
    assert net.training and net.out[0].training
    net.eval()
    assert not net.training and not net.out[0].training and not net.hidden.training
    net.train()
    assert net.out[1].training


def test_module_misuse_gets_clear_errors():
    class Forgot(mg.nn.Module):
        def __init__(self):
            self.layer = mg.nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="super\\(\\).__init__"):
        Forgot()
    layer = mg.nn.Linear(2, 2)
    with pytest.raises(TypeError, match="parameter 'weight'"):
        layer.weight = mg.tensor(np.zeros((2, 2), dtype="float32"))
    with pytest.raises(NotImplementedError, match="forward"):
        mg.nn.Module()(1)


def test_state_dict_is_a_copy():
    layer = mg.nn.Linear(2, 2)
    state = layer.state_dict()
    state["weight"][...] = 7.0
    assert not np.any(layer.weight.numpy() == 7.0)


def test_state_dict_round_trip_through_npz_without_pickle(tmp_path):
    mg.manual_seed(1)
    source = mg.nn.MLP([2, 6, 1], activation="relu")
    mg.manual_seed(2)
    target = mg.nn.MLP([2, 6, 1], activation="relu")
    np.savez(tmp_path / "critic.npz", **source.state_dict())
    with np.load(tmp_path / "critic.npz", allow_pickle=False) as archive:
        result = target.load_state_dict(dict(archive))
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = mg.tensor(np.random.default_rng(0).standard_normal((5, 2)).astype("float32"))
    np.testing.assert_array_equal(target(x).numpy(), source(x).numpy())
    for key, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[key], value)


def test_load_state_dict_names_missing_unexpected_and_misshapen_entries_and_changes_nothing():
    mlp = mg.nn.MLP([2, 3, 1])
    before = mlp.state_dict()
    state = dict(before)
    del state["0.bias"]
    state["5.weight"] = np.zeros((1, 1), dtype="float32")
    state["2.weight"] = np.zeros((3, 1), dtype="float32")
    with pytest.raises(mg.nn.StateDictError) as error:
        mlp.load_state_dict(state)
    message = str(error.value)
    assert "missing keys: '0.bias'" in message
    assert "unexpected keys: '5.weight'" in message
    assert "'2.weight'" in message and "(3, 1)" in message and "(1, 3)" in message
    for key, value in mlp.state_dict().items():
        np.testing.assert_array_equal(value, before[key])


def test_load_state_dict_not_strict_reports_what_it_skipped():
    mlp = mg.nn.MLP([2, 3, 1])
    state = mlp.state_dict()
    del state["2.bias"]
    state["extra"] = np.zeros(1)
    result = mlp.load_state_dict(state, strict=False)
    assert result.missing_keys == ["2.bias"] and result.unexpected_keys == ["extra"]


def test_load_state_dict_converts_to_the_parameter_dtype():
    layer = mg.nn.Linear(2, 1)
    layer.load_state_dict({"weight": np.array([[0.25, -0.5]]), "bias": np.array([2.0])})
    assert layer.weight.dtype == "float32"
    np.testing.assert_array_equal(layer.weight.numpy(), np.array([[0.25, -0.5]], dtype="float32"))


def test_to_changes_dtype_and_backend_in_place():
    mlp = mg.nn.MLP([2, 3, 1])
    weight = mlp[0].weight
    expected = weight.numpy().astype("float64")
    assert mlp.to("float64") is mlp
    assert mlp[0].weight is weight and weight.dtype == "float64"
    np.testing.assert_array_equal(weight.numpy(), expected)
    mlp.to(backend="numpy")
    assert weight.backend == "numpy"
    mlp.to(backend=mg.backend.name())
    assert weight.backend == mg.backend.name()


def test_torch_loads_the_state_dict_and_gives_the_same_outputs():
    torch = pytest.importorskip("torch")
    mlp = mg.nn.MLP([2, 16, 16, 1], activation="relu", dtype="float64")
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                torch.nn.ReLU(), torch.nn.Linear(16, 1)).double()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in mlp.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((7, 2))
    with torch.no_grad():
        expected = model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(mlp(on_backend(x)).numpy(), expected, rtol=1e-12)
    # and back: torch's own initial weights into a fresh minigan MLP
    torch_model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16),
                                      torch.nn.ReLU(), torch.nn.Linear(16, 1)).double()
    back = mg.nn.MLP([2, 16, 16, 1], activation="relu", dtype="float64")
    back.load_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()})
    with torch.no_grad():
        expected = torch_model(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(back(on_backend(x)).numpy(), expected, rtol=1e-12)


@settings(max_examples=15)
@given(sizes=st.lists(st.integers(1, 5), min_size=2, max_size=5))
def test_state_dict_keys_follow_sequential_numbering(sizes):
    mlp = mg.nn.MLP(sizes)
    expected = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        expected += [(f"{2 * i}.weight", (fan_out, fan_in)), (f"{2 * i}.bias", (fan_out,))]
    assert [(k, v.shape) for k, v in mlp.state_dict().items()] == expected
