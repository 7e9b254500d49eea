"""Weight initialisation, with PyTorch's names and formulas (``torch.nn.init``).

Every function fills a tensor in place from ``mg.backend.rng()`` (so
``mg.manual_seed`` makes it reproducible on every backend) and returns it.

For a weight of shape (out, in): fan_in = in, fan_out = out.

* ``kaiming_uniform_(w, a, nonlinearity)``: U(−b, b) with b = gain·√(3 / fan_in),
  gain = √(2 / (1 + a²)) for leaky_relu with slope a (√2 for relu).
  PyTorch's ``nn.Linear`` default is a = √5, i.e. gain = √(1/3) and b = 1/√fan_in.
* ``kaiming_normal_(w, a, nonlinearity)``: N(0, (gain / √fan_in)²) — "He init".
* ``xavier_uniform_(w, gain)``: U(−b, b) with b = gain·√(6 / (fan_in + fan_out)).
* ``xavier_normal_(w, gain)``: N(0, gain²·2 / (fan_in + fan_out)).

The WGAN-GP authors' toy script (lessons 11–12) initialises its ReLU layers "He"
style: uniform with standard deviation √(2 / fan_in), which is
``kaiming_uniform_(w, nonlinearity="relu")``, and zero biases.
"""

from __future__ import annotations

import math

from minigan import backend
from minigan.autodiff import Tensor

__all__ = [
    "calculate_gain", "fan_in_and_fan_out", "uniform_", "normal_", "zeros_", "constant_",
    "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_", "linear_default_",
]


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The gain that keeps activations' variance stable (``torch.nn.init.calculate_gain``):
    1 for linear/sigmoid, 5/3 for tanh, √2 for relu, √(2/(1+slope²)) for leaky_relu."""
    if nonlinearity in ("linear", "identity", "sigmoid"):
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3.0
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1.0 + slope**2))
    raise ValueError(f"unknown nonlinearity {nonlinearity!r}; use linear, sigmoid, tanh, relu or leaky_relu")


def fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight of shape (out, in, *kernel): (in·k, out·k)."""
    if tensor.ndim < 2:
        raise ValueError(f"fan in and fan out need a tensor with at least 2 dimensions, "
                         f"got shape {tensor.shape}")
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _fill(tensor: Tensor, host_values) -> Tensor:
    # Draw on the host generator, then move: the same numbers on every backend.
    # (MINIGAN_JITTER perturbs them for the rounding-robustness job; see backend/jitter.py.)
    tensor.data[...] = backend.asarray(backend.jitter_host(host_values), dtype=tensor.dtype,
                                       backend=tensor.backend)
    return tensor


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b)."""
    return _fill(tensor, backend.rng().uniform(a, b, tensor.shape))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std²)."""
    return _fill(tensor, backend.rng().normal(mean, std, tensor.shape))


def constant_(tensor: Tensor, value: float) -> Tensor:
    tensor.data[...] = value
    return tensor


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0.0)


def _fan(tensor: Tensor, mode: str) -> int:
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    if mode == "fan_in":
        return fan_in
    if mode == "fan_out":
        return fan_out
    raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He initialisation, uniform: U(−b, b), b = gain·√(3/fan)."""
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He initialisation, normal: N(0, (gain/√fan)²)."""
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot initialisation, uniform: U(−b, b), b = gain·√(6/(fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot initialisation, normal: N(0, gain²·2/(fan_in + fan_out))."""
    fan_in, fan_out = fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def linear_default_(weight: Tensor, bias: Tensor | None) -> None:
    """``torch.nn.Linear.reset_parameters``: weight by kaiming_uniform_(a=√5), i.e.
    U(±1/√fan_in), then bias U(±1/√fan_in) — in that order, as PyTorch draws them."""
    kaiming_uniform_(weight, a=math.sqrt(5.0))
    if bias is not None:
        fan_in, _ = fan_in_and_fan_out(weight)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        uniform_(bias, -bound, bound)
