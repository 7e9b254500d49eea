"""minigan: a from-scratch lab for Wasserstein GANs.

    import minigan as mg
    x = mg.tensor([[0.5, -1.0]], requires_grad=True)
    (g,) = mg.grad(mg.tanh(x).sum(), x, create_graph=True)   # differentiable gradient

See README.md and the numbered lessons in lessons/.
"""

from minigan import autodiff as _autodiff
from minigan import backend
from minigan.autodiff import *  # noqa: F403  (the engine's one public surface: autodiff/functions.py)
from minigan.backend import manual_seed

__version__ = "0.1.0"

__all__ = ["backend", "manual_seed", "__version__", *_autodiff.__all__]


def __getattr__(name: str):
    # Subpackages load on first use, so `import minigan` stays light and layered.
    import importlib

    if name in ("nn", "optim", "distances", "gan", "games", "plot", "animation", "lesson", "exercises", "cli"):
        module = importlib.import_module(f"minigan.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'minigan' has no attribute {name!r}")
