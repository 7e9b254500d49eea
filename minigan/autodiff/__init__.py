"""The autodiff engine: Tensor, primitives with their VJPs, backward/grad, gradcheck."""

from minigan.autodiff.engine import backward, grad, graph_nodes
from minigan.autodiff.functions import (
    abs,
    concatenate,
    exp,
    leaky_relu,
    log,
    logsigmoid,
    matmul,
    maximum,
    mean,
    minimum,
    norm,
    relu,
    reshape,
    sigmoid,
    softplus,
    sqrt,
    square,
    stack,
    sum,
    tanh,
    transpose,
    where,
)
from minigan.autodiff.gradcheck import GradcheckError, gradcheck, gradgradcheck
from minigan.autodiff.tensor import (
    DTypeError,
    ShapeError,
    Tensor,
    enable_grad,
    get_default_dtype,
    is_grad_enabled,
    no_grad,
    set_default_dtype,
    tensor,
)

__all__ = [
    "Tensor", "tensor", "grad", "backward", "graph_nodes", "no_grad", "enable_grad", "is_grad_enabled",
    "set_default_dtype", "get_default_dtype", "ShapeError", "DTypeError",
    "gradcheck", "gradgradcheck", "GradcheckError",
    "abs", "concatenate", "exp", "leaky_relu", "log", "logsigmoid", "matmul", "maximum", "mean", "minimum",
    "norm", "relu", "reshape", "sigmoid", "softplus", "sqrt", "square", "stack", "sum", "tanh", "transpose",
    "where",
]
