"""Layers: ``Linear``, the activations, ``Sequential`` and ``MLP``.

Every activation module carries ``max_slope`` = sup |h'(x)|, the number the Lipschitz
bound ‖D‖_L ≤ ∏‖W_i‖_s needs (lesson 08): 1 for tanh and ReLU, max(1, |slope|) for
LeakyReLU, 1/4 for the sigmoid. ``mg.nn.lipschitz_upper_bound`` refuses a module that
does not declare it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from minigan import autodiff, backend
from minigan.autodiff import ShapeError, Tensor, get_default_dtype
from minigan.autodiff.primitives import linear
from minigan.nn import init
from minigan.nn.module import Module, Parameter
from minigan.nn.spectral_norm import spectral_norm_all

__all__ = ["Linear", "Tanh", "ReLU", "LeakyReLU", "Sigmoid", "Identity", "Sequential", "MLP", "ACTIVATIONS"]


def _as_tensor(x: Any) -> Tensor:
    # Arrays and lists are accepted for convenience; their dtype is kept (no silent cast).
    return x if isinstance(x, Tensor) else autodiff.tensor(x)


_INITS = ("default", "he", "he_normal", "xavier")


class Linear(Module):
    """y = x Wᵀ + b with W of shape (out_features, in_features), as ``torch.nn.Linear``
    (x may be (in,), (n, in) or (..., n, in)).

    ``init`` chooses the initial weights (drawn from ``mg.backend.rng()``):

    * ``"default"``: PyTorch's — W and b ~ U(±1/√in_features);
    * ``"he"``: U(±√(6/in_features)) (standard deviation √(2/in)), zero bias — the
      WGAN-GP toy script's ReLU layers;
    * ``"he_normal"``: N(0, 2/in_features), zero bias (``kaiming_normal_``);
    * ``"xavier"``: U(±√(6/(in+out))), zero bias (``xavier_uniform_``).

    ``init`` and ``dtype`` are minigan's additions; PyTorch takes ``device``/``dtype``
    and leaves other schemes to ``torch.nn.init``. Parameters are made on the active
    backend in ``dtype`` (the default dtype, float32, if None).
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, dtype: Any = None,
                 init: str = "default"):
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Linear: {name} must be a positive integer, got {value!r}")
        if init not in _INITS:
            raise ValueError(f"Linear: unknown init {init!r}; choose one of {', '.join(_INITS)}")
        self.in_features = in_features
        self.out_features = out_features
        dtype = get_default_dtype() if dtype is None else dtype
        module = backend.xp()
        self.weight = Parameter(module.zeros((out_features, in_features), dtype=dtype))
        self.bias = Parameter(module.zeros((out_features,), dtype=dtype)) if bias else None
        if self.bias is None:
            self.register_parameter("bias", None)
        self.reset_parameters(init)

    def reset_parameters(self, init_scheme: str = "default") -> None:
        """Draw fresh weights (see the class docstring for the schemes)."""
        if init_scheme == "default":
            init.linear_default_(self.weight, self.bias)
            return
        if init_scheme == "he":
            init.kaiming_uniform_(self.weight, nonlinearity="relu")
        elif init_scheme == "he_normal":
            init.kaiming_normal_(self.weight, nonlinearity="relu")
        elif init_scheme == "xavier":
            init.xavier_uniform_(self.weight)
        else:
            raise ValueError(f"unknown init {init_scheme!r}; choose one of {', '.join(_INITS)}")
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, x: Any) -> Tensor:
        x = _as_tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.in_features:
            raise ShapeError(
                f"Linear({self.in_features}, {self.out_features}) got input of shape {x.shape}: "
                f"its last axis must have length {self.in_features}"
            )
        if x.ndim == 1:
            y = self.weight @ x
            return y if self.bias is None else y + self.bias
        return linear(x, self.weight, self.bias)  # x Wᵀ + b as one primitive (see its VJP)

    def extra_repr(self) -> str:
        has_bias = self.bias is not None
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={has_bias}"


class Tanh(Module):
    """h(x) = tanh x; h' = 1 − tanh² ∈ (0, 1]."""

    max_slope = 1.0

    def forward(self, x: Any) -> Tensor:
        return autodiff.tanh(_as_tensor(x))


class ReLU(Module):
    """h(x) = max(x, 0); h' ∈ {0, 1}."""

    max_slope = 1.0

    def forward(self, x: Any) -> Tensor:
        return autodiff.relu(_as_tensor(x))


class LeakyReLU(Module):
    """h(x) = x for x > 0, negative_slope·x otherwise (PyTorch's default slope 0.01)."""

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    @property
    def max_slope(self) -> float:
        return max(1.0, abs(self.negative_slope))

    def forward(self, x: Any) -> Tensor:
        return autodiff.leaky_relu(_as_tensor(x), negative_slope=self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """h(x) = 1 / (1 + e⁻ˣ); h' = σ(1 − σ) ≤ 1/4."""

    max_slope = 0.25

    def forward(self, x: Any) -> Tensor:
        return autodiff.sigmoid(_as_tensor(x))


class Identity(Module):
    """h(x) = x."""

    max_slope = 1.0

    def forward(self, x: Any) -> Tensor:
        return _as_tensor(x)


ACTIVATIONS: dict[str, Callable[[], Module]] = {
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "identity": Identity,
}


class Sequential(Module):
    """Modules applied one after another; children are named "0", "1", ... as in
    ``torch.nn.Sequential``, which fixes the state-dict keys ("0.weight", ...)."""

    def __init__(self, *modules: Module):
        super().__init__()
        for position, module in enumerate(modules):
            if not isinstance(module, Module):
                raise TypeError(f"Sequential: item {position} is a {type(module).__name__}, not a Module")
            self.add_module(str(position), module)

    def append(self, module: Module) -> Sequential:
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.append: expected a Module, got {type(module).__name__}")
        self.add_module(str(len(self)), module)
        return self

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __getitem__(self, index: int) -> Module:
        modules = list(self._modules.values())
        if isinstance(index, slice):
            return Sequential(*modules[index])
        try:
            return modules[index]
        except IndexError:
            raise IndexError(f"index {index} is out of range for a Sequential of {len(modules)} "
                             "modules") from None

    def forward(self, x: Any) -> Tensor:
        for module in self._modules.values():
            x = module(x)
        return x


def _activation(spec: str | Callable[[], Module], role: str) -> Module:
    if isinstance(spec, str):
        if spec not in ACTIVATIONS:
            raise ValueError(f"MLP: unknown {role} {spec!r}; choose one of {', '.join(ACTIVATIONS)} "
                             "or pass a Module class")
        return ACTIVATIONS[spec]()
    module = spec()
    if not isinstance(module, Module):
        raise TypeError(f"MLP: {role} must make a Module, got {type(module).__name__}")
    return module


class MLP(Sequential):
    """A multilayer perceptron: Linear, activation, Linear, ..., Linear [, final activation].

    ``MLP([2, 512, 512, 512, 1], activation="relu")`` is the WGAN-GP toy critic; it is
    a ``Sequential``, so its state dict has the keys of
    ``torch.nn.Sequential(Linear, ReLU, Linear, ReLU, Linear, ReLU, Linear)``:
    "0.weight", "0.bias", "2.weight", ... (activations hold no parameters).

    ``activation``/``final_activation`` are names from ``ACTIVATIONS`` ("tanh", "relu",
    "leaky_relu", "sigmoid", "identity") or zero-argument callables returning a
    Module (e.g. ``lambda: LeakyReLU(0.2)``). ``spectral_norm=True`` applies
    ``mg.nn.spectral_norm`` to every Linear (lesson 10); state-dict keys then become
    "0.weight_orig", "0.weight_u", "0.weight_v" as with
    ``torch.nn.utils.spectral_norm``.
    """

    def __init__(self, sizes: Sequence[int], activation: str | Callable[[], Module] = "tanh",
                 final_activation: str | Callable[[], Module] | None = None, bias: bool = True,
                 dtype: Any = None, init: str = "default", spectral_norm: bool = False):
        sizes = list(sizes)
        if len(sizes) < 2:
            raise ValueError(f"MLP needs at least an input and an output size, got sizes={sizes}")
        layers: list[Module] = []
        for position, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers.append(Linear(fan_in, fan_out, bias=bias, dtype=dtype, init=init))
            if position < len(sizes) - 2:
                layers.append(_activation(activation, "activation"))
        if final_activation is not None:
            layers.append(_activation(final_activation, "final_activation"))
        super().__init__(*layers)
        self.sizes = sizes
        if spectral_norm:
            spectral_norm_all(self)
