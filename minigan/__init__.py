"""minigan: a from-scratch lab for Wasserstein GANs.

    import minigan as mg
    x = mg.tensor([[0.5, -1.0]], requires_grad=True)
    (g,) = mg.grad(mg.tanh(x).sum(), x, create_graph=True)   # differentiable gradient

See README.md and the numbered lessons in lessons/.
"""

from minigan import backend
from minigan.autodiff import (
    DTypeError,
    GradcheckError,
    ShapeError,
    Tensor,
    abs,
    backward,
    concatenate,
    enable_grad,
    exp,
    get_default_dtype,
    grad,
    gradcheck,
    gradgradcheck,
    is_grad_enabled,
    leaky_relu,
    log,
    logsigmoid,
    matmul,
    maximum,
    mean,
    minimum,
    no_grad,
    norm,
    relu,
    reshape,
    set_default_dtype,
    sigmoid,
    softplus,
    sqrt,
    square,
    stack,
    sum,
    tanh,
    tensor,
    transpose,
    where,
)
from minigan.backend import manual_seed

__version__ = "0.1.0"

__all__ = [
    "backend", "Tensor", "tensor", "grad", "backward", "no_grad", "enable_grad", "is_grad_enabled",
    "set_default_dtype", "get_default_dtype", "ShapeError", "DTypeError", "gradcheck", "gradgradcheck",
    "GradcheckError", "manual_seed",
    "abs", "concatenate", "exp", "leaky_relu", "log", "logsigmoid", "matmul", "maximum", "mean", "minimum",
    "norm", "relu", "reshape", "sigmoid", "softplus", "sqrt", "square", "stack", "sum", "tanh", "transpose",
    "where", "__version__",
]


def __getattr__(name: str):
    # Subpackages load on first use, so `import minigan` stays light and layered.
    import importlib

    if name in ("nn", "optim", "distances", "gan", "games", "plot", "cli"):
        module = importlib.import_module(f"minigan.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'minigan' has no attribute {name!r}")
