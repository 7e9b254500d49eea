"""Exercise 9: a spectrally normalised linear layer (lesson 10)."""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.exercises._framework import Exercise, Fatal, Result, compare

CODE = '''
"""Exercise 9 — a spectrally normalised linear layer (lesson 10: spectral normalisation).

The layer computes y = x W̄ᵀ + b with W̄ = W / σ(W), so that ‖W̄‖_s ≈ 1. Each forward pass in
training mode first advances the remembered vectors by one power-iteration round (exercise 8),
starting from last time's u (a warm start; W moves little between training steps):

    v ← Wᵀu / ‖Wᵀu‖,     u ← W v / ‖W v‖          (on the arrays, recording no graph)

and then uses σ = uᵀ W v, written as a Tensor expression of the parameter W with u, v held
constant, so that the gradient flows through σ as well (as torch.nn.utils.spectral_norm does):

    ∂⟨G, W/σ⟩/∂W = G/σ − (⟨G, W⟩/σ²)·u vᵀ

In eval mode (self.training is False) u and v stay as they are.

Check your work:  minigan check 9
"""
import minigan as mg


class SpectralNormLinear(mg.nn.Module):
    """y = x (W/σ)ᵀ + b, with σ tracked by one warm-started power-iteration round per training forward."""

    def __init__(self, in_features, out_features, dtype=None):
        super().__init__()
        linear = mg.nn.Linear(in_features, out_features, dtype=dtype)
        self.weight, self.bias = linear.weight, linear.bias  # W: (out_features, in_features)
        start = mg.backend.rng().standard_normal(out_features)
        self.u = mg.backend.asarray(start / (start ** 2).sum() ** 0.5, dtype=self.weight.dtype)
        self.v = None
        self.sigma = None  # set by forward: the σ used (a 0-d Tensor)

    def forward(self, x):
        """Advance self.u, self.v by one round (training mode only), set self.sigma = uᵀWv and
        return x @ (W/σ)ᵀ + b as a Tensor."""
        # BEGIN SOLUTION
        W = self.weight
        if self.training or self.v is None:
            xp = mg.backend.namespace_of(W.data)
            v = W.data.T @ self.u
            self.v = v / xp.linalg.norm(v)
            u = W.data @ self.v
            self.u = u / xp.linalg.norm(u)
        self.sigma = mg.tensor(self.u) @ (W @ mg.tensor(self.v))
        return x @ (W / self.sigma).T + self.bias
        # END SOLUTION
'''

HINTS = (
    "Do the power step on W.data (arrays): no graph is recorded, and u, v are constants for the gradient.",
    "σ must be a Tensor expression of the parameter: mg.tensor(self.u) @ (W @ mg.tensor(self.v)), "
    "not a float read from the arrays.",
    "In eval mode the first forward still needs a v: compute it once if self.v is None.",
)

DETACHED = ("σ is treated as a constant: write it as a Tensor expression of the parameter, "
            "σ = uᵀ W v = mg.tensor(u) @ (W @ mg.tensor(v)), so the gradient flows through σ too")


def _reference_forward(W_host, b_host, u_host, x_host):
    v = W_host.T @ u_host
    v /= np.linalg.norm(v)
    u = W_host @ v
    u /= np.linalg.norm(u)
    sigma = u @ W_host @ v
    return x_host @ (W_host / sigma).T + b_host, u, v, sigma


def checks(student: ModuleType) -> Iterator[Result]:
    mg.backend.manual_seed(9)
    layer = student.SpectralNormLinear(5, 3, dtype="float64")
    if not isinstance(layer, mg.nn.Module):
        raise Fatal("SpectralNormLinear must be a mg.nn.Module")
    W_host, b_host = layer.weight.numpy().copy(), layer.bias.numpy().copy()
    u_host = mg.backend.to_host(layer.u).copy()
    rng = np.random.default_rng(9)
    x_host = rng.standard_normal((4, 5))
    out = layer(mg.tensor(x_host))
    expected, u_ref, v_ref, sigma_ref = _reference_forward(W_host, b_host, u_host, x_host)
    yield compare("the first forward: one power step from u, then x (W/σ)ᵀ + b", out, expected, rtol=1e-9)
    yield compare("σ = uᵀWv after that step", layer.sigma, sigma_ref, rtol=1e-9)

    G = rng.standard_normal((4, 3))
    layer.weight.grad = None
    (out * mg.tensor(G)).sum().backward()
    G_bar = G.T @ x_host  # ∂/∂W̄ of Σ G ⊙ (x W̄ᵀ)
    expected_grad = G_bar / sigma_ref - (np.sum(G_bar * W_host) / sigma_ref**2) * np.outer(u_ref, v_ref)
    got = None if layer.weight.grad is None else layer.weight.grad.numpy()
    if got is None:
        yield Result("the gradient reaches W", False, "weight.grad is None after backward()")
    else:
        yield compare("the gradient with respect to W flows through σ too", got, expected_grad, rtol=1e-7,
                      atol=1e-10, mistakes={DETACHED: G_bar / sigma_ref})

    for _ in range(60):
        layer(mg.tensor(x_host))
    applied = layer.weight.numpy() / float(layer.sigma.numpy())
    yield compare("after 60 training forwards the applied W/σ has ‖W/σ‖_s = 1", np.linalg.norm(applied, 2), 1.0,
                  rtol=1e-8)
    layer.eval()
    u_before = mg.backend.to_host(layer.u).copy()
    first, second = layer(mg.tensor(x_host)).numpy(), layer(mg.tensor(x_host)).numpy()
    yield Result("in eval mode u stays put and the output is deterministic",
                 bool(np.array_equal(first, second) and np.array_equal(u_before, mg.backend.to_host(layer.u))))


EXERCISE = Exercise(
    number=9, name="spectral_norm_layer", title="A spectrally normalised layer", lesson=10, code=CODE, hints=HINTS,
    functions={"SpectralNormLinear": ("in_features", "out_features")}, checks=checks)
