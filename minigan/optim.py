"""Optimizers: SGD, RMSprop (WGAN, lesson 09) and Adam (WGAN-GP, lesson 11).

Each follows PyTorch's update equations exactly (``torch.optim``, single-tensor
path), so the same weights and gradients give the same next weights up to
floating-point round-off. Updates work on the raw arrays ``p.data`` with the
parameter's own array module, outside any graph, in the parameter's dtype (float32
stays float32). The optimizer state lives on the parameters' backend.

Differences from PyTorch: one parameter group only (no per-group options), and
``state_dict()`` is a flat ``{str: host NumPy array or number}`` — "lr",
"state.0.step", "state.0.exp_avg", ... — so that it can go into an ``.npz``
checkpoint with ``allow_pickle=False``; ``load_state_dict`` takes the same form.
A parameter whose ``.grad`` is None is skipped (its step count does not advance),
as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from minigan import backend
from minigan.autodiff import Tensor

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam"]


class Optimizer:
    """Base class: holds the parameters, the hyperparameters and per-parameter state.

    Subclasses pass their hyperparameters as ``defaults`` (name → value), name the
    per-parameter state arrays their options use in ``state_names``, and do one step
    for one parameter in ``_update(state, param, grad)``.
    """

    @property
    def state_names(self) -> tuple[str, ...]:
        return self._state_names_for(self.defaults)

    @staticmethod
    def _state_names_for(hyper: dict[str, Any]) -> tuple[str, ...]:
        """The state arrays the options ``hyper`` use (e.g. SGD keeps a buffer only with momentum)."""
        return ()

    def __init__(self, params: Iterable[Tensor], defaults: dict[str, Any]):
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Tensors (e.g. "
                            "module.parameters()), got a single Tensor; wrap it in a list")
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        seen: set[int] = set()
        for index, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {index} is a {type(p).__name__}, "
                                "not a Tensor")
            if not p.is_leaf:
                raise ValueError(f"{type(self).__name__}: parameter {index} (shape {p.shape}) is not a leaf "
                                 "tensor; optimize leaves (e.g. module.parameters())")
            if p.dtype.kind != "f":
                raise TypeError(f"{type(self).__name__}: parameter {index} has dtype {p.dtype}, not floating")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: parameter {index} appears twice in the list")
            seen.add(id(p))
        self._validate(defaults)
        self.defaults = dict(defaults)
        # Per parameter: {"step": int, state array name: array on the parameter's backend}.
        self.state: list[dict[str, Any]] = [{"step": 0} for _ in self.params]

    def __getattr__(self, name: str) -> Any:
        defaults = self.__dict__.get("defaults")
        if defaults is not None and name in defaults:
            return defaults[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        defaults = self.__dict__.get("defaults")
        if defaults is not None and name in defaults:  # optimizer.lr = 1e-4 changes the hyperparameter
            if isinstance(defaults[name], tuple):
                value = tuple(value)
            self._validate({**defaults, name: value})  # checked as in the constructor
            defaults[name] = value
        else:
            object.__setattr__(self, name, value)

    def _validate(self, hyper: dict[str, Any]) -> None:
        """Raise ValueError unless the hyperparameters ``hyper`` are valid (every number finite
        and ≥ 0; subclasses add their own rules)."""
        for name, value in _flatten(hyper).items():
            _check_hyperparameter(type(self).__name__, name, value)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``, PyTorch's default)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """One update of every parameter that has a gradient."""
        for index, p in enumerate(self.params):
            if p.grad is None:
                continue
            grad = p.grad.data
            if grad.shape != p.shape or grad.dtype != p.dtype:
                raise ValueError(f"{type(self).__name__}: parameter {index} has shape {p.shape} and dtype "
                                 f"{p.dtype} but its gradient has shape {grad.shape} and dtype {grad.dtype}")
            state = self.state[index]
            state["step"] += 1
            # p.grad.data may be a read-only broadcast view: read it, never write into it.
            self._update(state, p.data, grad)

    def _update(self, state: dict[str, Any], param: Any, grad: Any) -> None:
        raise NotImplementedError

    def _zeros_like(self, state: dict[str, Any], name: str, param: Any) -> Any:
        if name not in state:
            state[name] = backend.namespace_of(param).zeros_like(param)
        return state[name]

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Flat checkpoint: hyperparameters as numbers (a tuple like betas as "betas.0",
        "betas.1"), and per parameter i "state.i.step" (int) plus "state.i.<array>" as
        host NumPy copies."""
        flat = self._flat_hyperparameters()
        for index, state in enumerate(self.state):
            flat[f"state.{index}.step"] = int(state["step"])
            for name in self.state_names:
                if name in state:
                    host = backend.to_host(state[name])
                    flat[f"state.{index}.{name}"] = host.copy() if host is state[name] else host
        return flat

    def _hyperparameters_from(self, flat: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
        """The checkpoint's hyperparameters (current ones where absent) and the absent keys."""
        hyper, missing = dict(self.defaults), []
        for name, value in self.defaults.items():
            if isinstance(value, tuple):
                keys = [f"{name}.{position}" for position in range(len(value))]
                missing += [key for key in keys if key not in flat]
                if all(key in flat for key in keys):
                    hyper[name] = tuple(_number(flat[key], item) for key, item in zip(keys, value))
            elif name in flat:
                hyper[name] = _number(flat[name], value)
            else:
                missing.append(name)
        return hyper, missing

    def load_state_dict(self, flat: dict[str, Any]) -> None:
        """Restore hyperparameters and state from :meth:`state_dict`'s form (values may be
        numbers, 0-d arrays as ``np.load`` gives back, or arrays). Raises ValueError
        naming every missing or unknown key and every array of the wrong shape, and
        then changes nothing. Which state arrays are expected follows the
        checkpoint's hyperparameters (SGD saved with momentum has buffers); they may
        be absent only for a parameter that has not been stepped (step 0)."""
        hyper, missing = self._hyperparameters_from(flat)
        names = self._state_names_for(hyper)
        expected = set(self._flat_hyperparameters())
        for index in range(len(self.params)):
            expected.add(f"state.{index}.step")
            expected.update(f"state.{index}.{name}" for name in names)
        problems = []
        unexpected = [key for key in flat if key not in expected]
        if unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        for index, p in enumerate(self.params):
            step_key = f"state.{index}.step"
            if step_key not in flat:
                missing.append(step_key)
            elif tuple(getattr(flat[step_key], "shape", ())) != ():
                problems.append(f"{step_key!r} must be a number, got shape {flat[step_key].shape}")
            elif int(flat[step_key]) > 0:
                missing += [f"state.{index}.{name}" for name in names if f"state.{index}.{name}" not in flat]
            for name in names:
                key = f"state.{index}.{name}"
                if key in flat and tuple(getattr(flat[key], "shape", ())) != p.shape:
                    problems.append(f"{key!r} has shape {tuple(getattr(flat[key], 'shape', ()))}, "
                                    f"expected {p.shape} (the shape of parameter {index})")
        if missing:
            problems.insert(0, "missing keys: " + ", ".join(repr(k) for k in missing))
        for key, value in _flatten(hyper).items():
            try:
                _check_hyperparameter(type(self).__name__, key, value)
            except ValueError as error:
                problems.append(str(error))
        if problems:
            raise ValueError(f"cannot load {type(self).__name__} state: " + "; ".join(problems))
        self.defaults.update(hyper)
        for index, p in enumerate(self.params):
            state: dict[str, Any] = {"step": int(flat[f"state.{index}.step"])}
            for name in names:
                key = f"state.{index}.{name}"
                if key in flat:
                    value = flat[key].data if isinstance(flat[key], Tensor) else flat[key]
                    array = backend.asarray(value, dtype=p.dtype, backend=p.backend)
                    state[name] = array.copy() if array is value else array
            self.state[index] = state

    def _flat_hyperparameters(self) -> dict[str, Any]:
        return _flatten(self.defaults)

    def __repr__(self) -> str:
        options = ", ".join(f"{name}={value}" for name, value in self.defaults.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {options})"


def _flatten(hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """{"betas": (0.9, 0.999)} → {"betas.0": 0.9, "betas.1": 0.999}: the checkpoint form."""
    flat: dict[str, Any] = {}
    for name, value in hyperparameters.items():
        if isinstance(value, tuple):
            flat.update((f"{name}.{position}", item) for position, item in enumerate(value))
        else:
            flat[name] = value
    return flat


def _check_hyperparameter(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool):
        return
    if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{owner}: {name} must be a finite number ≥ 0, got {value!r}")


def _number(value: Any, like: Any) -> Any:
    # np.load gives 0-d arrays back; a hyperparameter is a plain Python number again.
    value = value.item() if hasattr(value, "item") else value
    if isinstance(like, bool):
        return bool(value)
    return int(value) if isinstance(like, int) and float(value).is_integer() else float(value)


class SGD(Optimizer):
    """Stochastic gradient descent with momentum (``torch.optim.SGD``).

    With g = ∇ + weight_decay·p:
        momentum = 0:  p ← p − lr·g
        otherwise:     b ← g at the first step, then b ← momentum·b + (1 − dampening)·g;
                       p ← p − lr·(g + momentum·b) if nesterov else p − lr·b
    """

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "dampening": dampening,
                                  "weight_decay": weight_decay, "nesterov": nesterov})

    def _validate(self, hyper: dict[str, Any]) -> None:
        super()._validate(hyper)
        if hyper["nesterov"] and (hyper["momentum"] <= 0 or hyper["dampening"] != 0):
            raise ValueError("SGD: nesterov momentum needs momentum > 0 and dampening = 0")

    @staticmethod
    def _state_names_for(hyper: dict[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if hyper["momentum"] else ()

    def _update(self, state, param, grad):
        lr, momentum, weight_decay = self.lr, self.momentum, self.weight_decay
        if weight_decay:
            grad = grad + weight_decay * param
        if momentum:
            if "momentum_buffer" not in state:
                state["momentum_buffer"] = grad.copy()
            else:
                buffer = state["momentum_buffer"]
                buffer *= momentum
                buffer += (1.0 - self.dampening) * grad
            buffer = state["momentum_buffer"]
            grad = grad + momentum * buffer if self.nesterov else buffer
        param -= lr * grad


class RMSprop(Optimizer):
    """RMSprop (``torch.optim.RMSprop``), the optimizer of WGAN's Algorithm 1 (lr = 5e-5).

    With g = ∇ + weight_decay·p:
        v ← α·v + (1 − α)·g²                      (v starts at 0)
        centered: ḡ ← α·ḡ + (1 − α)·g,  d = √(v − ḡ²) + eps;  otherwise d = √v + eps
        momentum > 0: b ← momentum·b + g/d,  p ← p − lr·b;  otherwise p ← p − lr·g/d
    Note eps is added *outside* the square root, as in PyTorch (Keras/TF put it inside).
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum: float = 0.0, centered: bool = False):
        super().__init__(params, {"lr": lr, "alpha": alpha, "eps": eps, "weight_decay": weight_decay,
                                  "momentum": momentum, "centered": centered})

    def _validate(self, hyper: dict[str, Any]) -> None:
        super()._validate(hyper)
        if hyper["alpha"] > 1:
            raise ValueError(f"RMSprop: alpha must lie in [0, 1], got {hyper['alpha']}")

    @staticmethod
    def _state_names_for(hyper: dict[str, Any]) -> tuple[str, ...]:
        return ("square_avg",) + (("momentum_buffer",) if hyper["momentum"] else ()) + (
            ("grad_avg",) if hyper["centered"] else ())

    def _update(self, state, param, grad):
        xp = backend.namespace_of(param)
        alpha, eps = self.alpha, self.eps
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        square_avg = self._zeros_like(state, "square_avg", param)
        square_avg *= alpha
        square_avg += (1.0 - alpha) * (grad * grad)
        if self.centered:
            grad_avg = self._zeros_like(state, "grad_avg", param)
            grad_avg *= alpha
            grad_avg += (1.0 - alpha) * grad
            denominator = xp.sqrt(square_avg - grad_avg * grad_avg)
        else:
            denominator = xp.sqrt(square_avg)
        denominator += eps
        if self.momentum:
            buffer = self._zeros_like(state, "momentum_buffer", param)
            buffer *= self.momentum
            buffer += grad / denominator
            param -= self.lr * buffer
        else:
            param -= self.lr * (grad / denominator)


class Adam(Optimizer):
    """Adam (``torch.optim.Adam``), the optimizer of WGAN-GP (lr = 1e-4, betas = (0.5, 0.9)).

    At step t, with g = ∇ + weight_decay·p:
        m ← β₁·m + (1 − β₁)·g          (computed as m + (1 − β₁)(g − m), torch's lerp)
        v ← β₂·v + (1 − β₂)·g²
        p ← p − lr/(1 − β₁ᵗ) · m / (√v/√(1 − β₂ᵗ) + eps)
    amsgrad uses max(v_max, v) in place of v, as PyTorch does.
    """

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False):
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps, "weight_decay": weight_decay,
                                  "amsgrad": amsgrad})

    def _validate(self, hyper: dict[str, Any]) -> None:
        betas = hyper["betas"]
        if len(betas) != 2 or not all(isinstance(b, int | float) and 0 <= b < 1 for b in betas):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas}")
        super()._validate(hyper)

    @staticmethod
    def _state_names_for(hyper: dict[str, Any]) -> tuple[str, ...]:
        return ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if hyper["amsgrad"] else ())

    def _update(self, state, param, grad):
        xp = backend.namespace_of(param)
        beta1, beta2 = self.betas
        if self.weight_decay:
            grad = grad + self.weight_decay * param
        exp_avg = self._zeros_like(state, "exp_avg", param)
        exp_avg_sq = self._zeros_like(state, "exp_avg_sq", param)
        exp_avg += (1.0 - beta1) * (grad - exp_avg)
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * (grad * grad)
        if self.amsgrad:
            maximum = self._zeros_like(state, "max_exp_avg_sq", param)
            maximum[...] = xp.maximum(maximum, exp_avg_sq)
            second_moment = maximum
        else:
            second_moment = exp_avg_sq
        step = state["step"]
        step_size = self.lr / (1.0 - beta1**step)
        denominator = xp.sqrt(second_moment)
        denominator /= math.sqrt(1.0 - beta2**step)
        denominator += self.eps
        param -= step_size * (exp_avg / denominator)
