"""Exercise 12: the backward pass's topological order (lesson 11)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from types import ModuleType

import numpy as np

import minigan as mg
from minigan.autodiff import engine
from minigan.autodiff.tensor import FREED, Tensor
from minigan.exercises._framework import Exercise, Fatal, Patch, Result, compare, count_call

CODE = '''
"""Exercise 12 — the order of the backward pass (lesson 11: gradient penalty).

A tensor remembers the tensors it was computed from (its parents). The backward pass visits
the graph from the output back; when it reaches a tensor, that tensor's gradient must be
complete, i.e. every *consumer* of it (every tensor computed from it) must have handed its
share over already. So list the tensors in topological order — each one after all of its
parents — and let the backward pass walk the list from the end.

Depth-first search gives that order: visit a node's parents first, then append the node.
A breadth-first walk from the output, or appending a node *before* its parents, can reach a
shared node through a short path before one of its consumers (z = x·exp(x): x is used by exp
and by the product), and the backward pass then reads x's gradient before exp added its share.

Check your work:  minigan check 12
"""
from minigan.autodiff import Tensor


def parents(node):
    """The tensors `node` was computed from that need a gradient (given: you do not write this)."""
    return [p for p in node._parents if isinstance(p, Tensor) and p.requires_grad]


def topological_order(roots):
    """Every tensor reachable from the list `roots` through parents(), each exactly once, each after
    all of its parents (parents before children). Return a list."""
    # BEGIN SOLUTION
    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        for parent in parents(node):
            visit(parent)
        order.append(node)

    for root in roots:
        visit(root)
    return order
    # END SOLUTION
'''

HINTS = (
    "Keep a set of ids of the nodes already visited (tensors are compared by identity: id(node)).",
    "Recursive depth-first search: def visit(node): visit every parent, then order.append(node).",
)

EARLY = ("the order visits a node before all of its consumers: a node must come after every parent in the list "
         "(append a node only after visiting all its parents: depth-first, post-order)")


def _graphs():
    rng = np.random.default_rng(12)
    x = mg.tensor(rng.standard_normal(3), dtype="float64", requires_grad=True)
    w = mg.tensor(rng.standard_normal(3), dtype="float64", requires_grad=True)
    diamond = (x * mg.exp(x)).sum()  # x feeds the product directly and through exp
    a = mg.tanh(x * w)
    b = a * a + x
    deep = (mg.tanh(b) * a * w).sum()
    return [("(x·exp(x)).sum()", [diamond], [x]), ("a chain with shared nodes", [deep], [x, w])]


def _violations(order) -> list[str]:
    position = {id(node): index for index, node in enumerate(order)}
    return [f"a {node._primitive.name} node" for node in order
            if any(position.get(id(parent), -1) > position[id(node)] for parent in
                   (p for p in node._parents if isinstance(p, Tensor) and p.requires_grad))]


def checks(student: ModuleType) -> Iterator[Result]:
    for label, roots, leaves in _graphs():
        reference = engine._topological_order(roots)
        order = student.topological_order(roots)
        if not isinstance(order, list | tuple):
            raise Fatal(f"topological_order must return a list, got {type(order).__name__}")
        ids = [id(node) for node in order]
        yield Result(f"{label}: lists each of the {len(reference)} tensors exactly once",
                     sorted(ids) == sorted(id(node) for node in reference),
                     f"expected {len(reference)} distinct tensors, got {len(order)} entries "
                     f"({len(set(ids))} distinct)")
        missing = {id(node) for node in reference} - set(ids)
        if missing:
            continue
        bad = _violations(order)
        yield Result(f"{label}: every tensor comes after all of its parents", not bad,
                     f"out of order: {', '.join(bad[:3])}" if bad else "", EARLY if bad else "")
        expected = mg.grad(roots[0], leaves, retain_graph=True)
        saved = engine._topological_order
        engine._topological_order = lambda rs: list(student.topological_order(rs))
        try:
            got = mg.grad(roots[0], leaves, retain_graph=True)
        finally:
            engine._topological_order = saved
        yield compare(f"{label}: the backward pass in your order gives the right gradients",
                      np.concatenate([t.numpy().ravel() for t in got]),
                      np.concatenate([t.numpy().ravel() for t in expected]), rtol=1e-12,
                      mistakes={} if not bad else {EARLY: np.concatenate([t.numpy().ravel() for t in got])})


def _order(student):
    def topological_order(roots):
        count_call("topological_order")
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20000))  # a recursive search on a deep graph
        try:
            order = list(student.topological_order(list(roots)))
        finally:
            sys.setrecursionlimit(limit)
        for node in order:
            if node._primitive is FREED:
                raise RuntimeError("trying to differentiate through a graph that backward() has already freed; "
                                   "pass retain_graph=True to the first backward()/grad()")
        return order
    return topological_order


def patches(student: ModuleType) -> list[Patch]:
    return [Patch(engine, "_topological_order", lambda original: _order(student))]


EXERCISE = Exercise(
    number=12, name="topological_order", title="The backward pass's topological order", lesson=11, code=CODE,
    hints=HINTS, functions={"topological_order": ("roots",)}, checks=checks, patches=patches)
