"""Reverse-mode differentiation over the recorded graph: ``backward`` and ``grad``.

The algorithm, in full:

1. Walk back from the outputs and list every tensor that requires grad in
   topological order (parents before children).
2. Keep only those that lead to a tensor we want the gradient of (for ``grad``, the
   ``inputs``; for ``backward``, every leaf): no work is spent on the rest, and the
   VJPs compute no gradient for an argument outside the list (each VJP is handed
   ``needs``, one flag per argument, from this list). This is why the WGAN-GP penalty's ``grad(D(x̂), x̂)``
   never touches the critic's weights.
3. Visit the list from the outputs back. Each tensor's gradient is complete when it
   is visited (all its consumers came before it); hand it to the VJP of the primitive
   that made the tensor and add the results into its parents' gradients.

With ``create_graph=True`` step 3 runs with recording on, so the gradients are
themselves tensors in a graph and can be differentiated again. Otherwise it runs in
``no_grad`` mode and builds nothing.

Unless ``retain_graph`` is set, every visited tensor forgets its parents afterwards,
so memory does not grow across training steps; a second pass through a freed graph
raises an error that says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigan import backend
from minigan.autodiff.tensor import FREED, Tensor, _grad_mode

__all__ = ["backward", "grad", "graph_nodes"]


def _walk(roots: Sequence[Tensor], grad_only: bool) -> list[Tensor]:
    """Every tensor reachable from ``roots`` through its parents (only those that require
    grad if ``grad_only``), each once, parents before children: a depth-first post-order,
    iterative so that deep graphs do not hit Python's recursion limit. ``grad_only`` walks
    are backward passes, which must not go through a freed graph."""
    order: list[Tensor] = []
    visited: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False) for root in reversed(roots)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        if grad_only and node._primitive is FREED:
            raise RuntimeError(
                "trying to differentiate through a graph that backward() has already freed "
                f"(a tensor of shape {node.shape}). Pass retain_graph=True to the first backward()/grad() "
                "if you need to go through the graph twice, or recompute the forward pass."
            )
        stack.append((node, True))
        # graph_nodes lists arguments in order; a backward pass keeps the order it has always had
        # (the last argument first), so gradients add up in the same order, bit for bit
        for parent in node._parents if grad_only else reversed(node._parents):
            if isinstance(parent, Tensor) and (parent._requires_grad or not grad_only) and id(parent) not in visited:
                stack.append((parent, False))
    return order


def _topological_order(roots: Sequence[Tensor]) -> list[Tensor]:
    """Step 1: the tensors that require grad behind ``roots``, parents before children."""
    return _walk(roots, grad_only=True)


def _initial_gradients(outputs: Sequence[Tensor], grad_outputs: Sequence[Any] | None) -> list[Tensor]:
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise ValueError(f"got {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    gradients = []
    for output, gradient in zip(outputs, grad_outputs):
        if gradient is None:
            if output.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for one-element outputs; this output has shape "
                    f"{output.shape}: pass gradient= (backward) or grad_outputs= (grad), e.g. ones of that shape"
                )
            module = backend.namespace_of(output.data)
            gradient = Tensor(module.ones(output.shape, dtype=output.dtype))
        elif not isinstance(gradient, Tensor):
            gradient = Tensor(backend.asarray(gradient, dtype=output.dtype, backend=output.backend))
        if gradient.shape != output.shape:
            raise ValueError(
                f"gradient of shape {gradient.shape} given for an output of shape {output.shape}: they must match"
            )
        if gradient.dtype != output.dtype:
            raise TypeError(f"gradient dtype {gradient.dtype} differs from the output's dtype {output.dtype}")
        gradients.append(gradient)
    return gradients


def _run(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any] | None,
    inputs: Sequence[Tensor] | None,
    create_graph: bool,
    retain_graph: bool,
) -> dict[int, Tensor]:
    """The shared reverse pass. Returns the gradient of each tensor in ``inputs`` (by id)
    or, when ``inputs`` is None, accumulates into the ``.grad`` of every leaf."""
    _check_outputs(outputs)
    seeds = _initial_gradients(outputs, grad_outputs)
    order = _topological_order(outputs)
    wanted = None if inputs is None else {id(t) for t in inputs}
    needed, passes_on = _leading_to(order, wanted)
    try:
        # recording on (create_graph): the gradients form a graph of their own
        with _grad_mode(create_graph):
            return _backward_pass(outputs, seeds, order, needed, passes_on, wanted)
    finally:
        if not retain_graph:
            _free(order)


def _backward_pass(outputs, seeds, order, needed: set[int], passes_on: set[int],
                   wanted: set[int] | None) -> dict[int, Tensor]:
    """Step 3 of the module docstring: visit ``order`` from the outputs back, handing each
    complete gradient to the VJP of the primitive that made the tensor."""
    gradients: dict[int, Tensor] = {}
    for output, seed in zip(outputs, seeds):
        previous = gradients.get(id(output))
        gradients[id(output)] = seed if previous is None else previous + seed
    results: dict[int, Tensor] = {}
    for node in reversed(order):
        gradient = gradients.pop(id(node), None)
        if gradient is None or id(node) not in needed:
            continue
        if wanted is None and node._primitive is None:
            node.grad = gradient if node.grad is None else node.grad + gradient
        elif wanted is not None and id(node) in wanted:
            results[id(node)] = gradient
        if id(node) not in passes_on:  # a leaf, or nothing wanted lies behind it
            continue
        parents = node._parents
        needs = tuple(id(parent) in needed for parent in parents)
        parent_gradients = node._primitive.backward(needs, gradient, node, *parents, **node._params)
        for parent, need, parent_gradient in zip(parents, needs, parent_gradients):
            if parent_gradient is None or not need:
                continue
            if parent_gradient.shape != parent.shape:  # a wrong VJP must never pass silently
                raise AssertionError(
                    f"VJP of {node._primitive.name} returned a gradient of shape {parent_gradient.shape} "
                    f"for an argument of shape {parent.shape}"
                )
            previous = gradients.get(id(parent))
            gradients[id(parent)] = parent_gradient if previous is None else previous + parent_gradient
    return results


def _leading_to(order: list[Tensor], wanted: set[int] | None) -> tuple[set[int], set[int]]:
    """Step 2, pruning: ``(needed, passes_on)``, the ids of the tensors in ``order`` from
    which a wanted tensor can be reached (every leaf is wanted when ``wanted`` is None),
    and of those among them whose VJP must run because one of their parents is needed.
    Parents come first in ``order``, so one pass decides. (Constants among the parents
    are never in the sets: their ids belong to no tensor of the graph.)"""
    needed: set[int] = set()
    passes_on: set[int] = set()
    for node in order:
        for parent in node._parents:
            if id(parent) in needed:
                passes_on.add(id(node))
                needed.add(id(node))
                break
        else:
            if node._primitive is None if wanted is None else id(node) in wanted:
                needed.add(id(node))
    return needed, passes_on


def _free(order: list[Tensor]) -> None:
    """Let every non-leaf tensor of the pass forget how it was made (memory stays flat)."""
    for node in order:
        if node._primitive is not None:
            node._primitive = FREED
            node._parents = ()
            node._params = None


def _check_outputs(outputs: Sequence[Tensor]) -> None:
    for output in outputs:
        if not isinstance(output, Tensor):
            raise TypeError(f"outputs must be Tensors, got {type(output).__name__}")
        if not output.requires_grad:
            raise RuntimeError(
                "this output does not require grad: nothing it was computed from has requires_grad=True "
                "(or it was computed under no_grad())"
            )


def backward(
    outputs: Sequence[Tensor],
    grad_outputs: Sequence[Any] | None = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
) -> None:
    """Accumulate the gradients of ``outputs`` into the ``.grad`` of every leaf that
    requires grad (``torch.autograd.backward``)."""
    if retain_graph is None:
        retain_graph = create_graph
    _run(list(outputs), grad_outputs, None, create_graph, retain_graph)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any | Sequence[Any] | None = None,
    create_graph: bool = False,
    retain_graph: bool | None = None,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, as ``torch.autograd.grad``.

    Computes Σₖ ⟨grad_outputsₖ, ∂outputsₖ/∂input⟩ for each input (a vector–Jacobian
    product; ``grad_outputs`` may be omitted for one-element outputs). Nothing is
    accumulated into ``.grad``. With ``create_graph=True`` the result is part of a new
    graph and can be differentiated again — the gradient penalty of WGAN-GP
    (lesson 11) is ``grad(D(x̂).sum(), x̂, create_graph=True)``.

    An input the outputs do not depend on raises, unless ``allow_unused=True``, in
    which case its gradient is None (PyTorch's convention).
    """
    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    single_input = isinstance(inputs, Tensor)
    inputs = [inputs] if single_input else list(inputs)
    if grad_outputs is not None and (isinstance(grad_outputs, Tensor) or backend.is_array(grad_outputs)):
        grad_outputs = [grad_outputs]
    for t in inputs:
        if not isinstance(t, Tensor):
            raise TypeError(f"inputs must be Tensors, got {type(t).__name__}")
        if not t.requires_grad:
            raise RuntimeError(f"an input of shape {t.shape} does not require grad, so it has no gradient")
    if retain_graph is None:
        retain_graph = create_graph
    results = _run(outputs, grad_outputs, inputs, create_graph, retain_graph)
    gradients = []
    for position, t in enumerate(inputs):
        gradient = results.get(id(t))
        if gradient is None and not allow_unused:
            raise RuntimeError(
                f"input {position} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
        if gradient is not None and not create_graph:
            gradient = gradient.detach()
        gradients.append(gradient)
    return tuple(gradients)


def graph_nodes(*outputs: Tensor) -> list[Tensor]:
    """Every tensor of the recorded graph behind ``outputs``, each once, parents before
    children (leaves included). ``Counter(t.op_name for t in graph_nodes(y) if not t.is_leaf)``
    counts the primitives that made ``y``, as lesson 11 does."""
    return _walk(outputs, grad_only=False)


def _tensor_backward(self: Tensor, gradient: Tensor | Any = None, retain_graph: bool | None = None,
                     create_graph: bool = False) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (PyTorch semantics).

    ``gradient`` is required unless ``self`` has one element. The graph is freed
    afterwards unless ``retain_graph`` (default: ``create_graph``) is true.
    """
    backward([self], None if gradient is None else [gradient], retain_graph=retain_graph,
             create_graph=create_graph)


# Tensor.backward lives here, beside the pass it runs (tensor.py imports nothing above it).
Tensor.backward = _tensor_backward
