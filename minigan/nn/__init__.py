"""Networks and the tools that keep a critic Lipschitz.

    import minigan as mg
    critic = mg.nn.MLP([2, 512, 512, 512, 1], activation="relu")
    mg.nn.clip_weights(critic, 0.01)                      # WGAN (lesson 09)
    mg.nn.spectral_norm_all(critic)                       # SN-GAN (lesson 10)
    mg.nn.lipschitz_upper_bound(critic)                   # ∏‖W_i‖_s (lesson 08)

Module, Parameter and the layers follow ``torch.nn``'s names, shapes and state-dict
keys; see each module's docstring for where minigan differs.
"""

from minigan.nn import init
from minigan.nn.clipping import clip_weights, clipping_bound
from minigan.nn.layers import (
    ACTIVATIONS,
    MLP,
    Identity,
    LeakyReLU,
    Linear,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from minigan.nn.lipschitz import layer_spectral_norms, lipschitz_lower_bound, lipschitz_upper_bound
from minigan.nn.module import IncompatibleKeys, Module, Parameter, StateDictError
from minigan.nn.spectral_norm import (
    is_spectral_normalized,
    power_iteration,
    remove_spectral_norm,
    spectral_norm,
    spectral_norm_all,
    spectral_normalized_weight,
)

__all__ = [
    "init", "Module", "Parameter", "StateDictError", "IncompatibleKeys",
    "Linear", "Tanh", "ReLU", "LeakyReLU", "Sigmoid", "Identity", "Sequential", "MLP", "ACTIVATIONS",
    "power_iteration", "spectral_norm", "spectral_norm_all", "remove_spectral_norm",
    "spectral_normalized_weight", "is_spectral_normalized",
    "clip_weights", "clipping_bound",
    "lipschitz_upper_bound", "lipschitz_lower_bound", "layer_spectral_norms",
]
