"""``Module`` and ``Parameter``: the containers every network in minigan is made of.

A module owns *parameters* (tensors an optimizer updates), *buffers* (tensors that are
state but not trained, such as the power-iteration vector u of spectral
normalization, lesson 10) and *child modules*. Assigning one of these as an attribute
registers it, exactly as in PyTorch::

    class Critic(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.hidden = mg.nn.Linear(2, 64)   # a child: its parameters are "hidden.weight", ...
            self.out = mg.nn.Linear(64, 1)

        def forward(self, x):
            return self.out(mg.tanh(self.hidden(x)))

``state_dict()`` returns ``{dotted name: host NumPy array}`` with PyTorch's names and
shapes, so a minigan network saves to ``.npz`` without pickling and loads into the
equivalent ``torch.nn`` model unchanged (examples/torch_interop.py).

Where minigan differs from PyTorch: there are no devices, only backends
(``module.to(backend="cupy")``); ``to(dtype)`` changes the parameters in place and
returns the module, like ``torch.nn.Module.to``; ``zero_grad`` always sets gradients
to None (PyTorch's default ``set_to_none=True``); forward hooks other than the
pre-hook that spectral normalization needs are not provided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from minigan import backend
from minigan.autodiff import Tensor

__all__ = ["Module", "Parameter", "StateDictError", "IncompatibleKeys"]


class Parameter(Tensor):
    """A tensor that a :class:`Module` registers as trainable (``requires_grad=True``).

    ``Parameter(data)`` takes an array of any backend or a Tensor (whose array it
    shares, as ``torch.nn.Parameter`` does).
    """

    __slots__ = ()

    def __init__(self, data: Any, requires_grad: bool = True):
        if isinstance(data, Tensor):
            data = data.data
        if not backend.is_array(data):
            raise TypeError(f"Parameter needs an array or a Tensor, got {type(data).__name__}")
        if data.dtype.kind != "f":
            raise TypeError(f"Parameter needs a floating array, got dtype {data.dtype}")
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return f"Parameter(shape={self.shape}, dtype={self.dtype}, backend={self.backend})"


class StateDictError(ValueError):
    """A state dict that does not fit the module: missing, unexpected or misshapen entries."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict(..., strict=False)`` skipped (PyTorch returns the same pair)."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and network (``torch.nn.Module``'s conventions).

    Subclasses call ``super().__init__()`` first, assign parameters, buffers and child
    modules as attributes, and define ``forward``; calling the module runs any forward
    pre-hooks and then ``forward``.
    """

    training: bool

    def __init__(self) -> None:
        # object.__setattr__: our own __setattr__ needs these dicts to exist already.
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_forward_pre_hooks", {})
        object.__setattr__(self, "_next_hook_id", 0)
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------ registration
    def _registries(self) -> tuple[dict, dict, dict]:
        try:
            return self.__dict__["_parameters"], self.__dict__["_buffers"], self.__dict__["_modules"]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        parameters, buffers, modules = self._registries()
        if isinstance(value, Parameter):
            buffers.pop(name, None)
            modules.pop(name, None)
            self.__dict__.pop(name, None)
            parameters[name] = value
        elif isinstance(value, Module):
            parameters.pop(name, None)
            buffers.pop(name, None)
            self.__dict__.pop(name, None)
            modules[name] = value
        elif name in parameters:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} to parameter {name!r} of {type(self).__name__}: "
                    "expected a minigan.nn.Parameter or None (del the attribute first to replace it)"
                )
            parameters[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"buffer {name!r} of {type(self).__name__} must be a Tensor or None, "
                                f"got {type(value).__name__}")
            buffers[name] = value
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} to child module {name!r}")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        # Only called when normal lookup fails, i.e. for registered entries.
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__[registry]
            if name in entries:
                del entries[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, parameter: Parameter | None) -> None:
        """Register ``parameter`` under ``name`` (None reserves the name, as for a missing bias)."""
        if parameter is not None and not isinstance(parameter, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a Parameter or None, "
                            f"got {type(parameter).__name__}")
        if "." in name or not name:
            raise ValueError(f"parameter name {name!r} must be non-empty and contain no '.'")
        parameters, buffers, modules = self._registries()
        buffers.pop(name, None)
        modules.pop(name, None)
        self.__dict__.pop(name, None)
        parameters[name] = parameter

    def register_buffer(self, name: str, value: Tensor | None) -> None:
        """Register a non-trained state tensor; it goes into ``state_dict`` like a parameter."""
        if value is not None and not isinstance(value, Tensor):
            raise TypeError(f"register_buffer({name!r}): expected a Tensor or None, "
                            f"got {type(value).__name__}")
        if "." in name or not name:
            raise ValueError(f"buffer name {name!r} must be non-empty and contain no '.'")
        parameters, buffers, modules = self._registries()
        parameters.pop(name, None)
        modules.pop(name, None)
        self.__dict__.pop(name, None)
        buffers[name] = value

    def add_module(self, name: str, module: Module | None) -> None:
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        if "." in name or not name:
            raise ValueError(f"module name {name!r} must be non-empty and contain no '.'")
        if module is None:
            self._registries()[2][name] = None
        else:
            setattr(self, name, module)

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]) -> int:
        """Run ``hook(module, args)`` before every ``forward``; returns a handle for
        :meth:`remove_forward_pre_hook`. (PyTorch returns a handle object instead.)"""
        handle = self._next_hook_id
        object.__setattr__(self, "_next_hook_id", handle + 1)
        self._forward_pre_hooks[handle] = hook
        return handle

    def remove_forward_pre_hook(self, handle: int) -> None:
        self._forward_pre_hooks.pop(handle)

    # ----------------------------------------------------------------- calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in tuple(self._forward_pre_hooks.values()):
            hook(self, args)
        return self.forward(*args, **kwargs)

    # --------------------------------------------------------------- traversal
    def named_children(self) -> Iterator[tuple[str, Module]]:
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and all below it, depth first (each shared module once)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{child_name}" if name else child_name, child)
                        for child_name, child in module.named_children()]
            stack.extend(reversed(children))

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` ("" is this module), e.g. "out.1"."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no child module {part!r} "
                                     f"(path {target!r})")
            module = child
        return module

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def _named_entries(self, registries: tuple[str, ...], prefix: str = "", recurse: bool = True,
                       remove_duplicate: bool = True) -> Iterator[tuple[str, Tensor]]:
        # Module by module, each one's entries of `registries` in that order (PyTorch's order).
        # A tensor registered twice (shared weights) is listed once unless remove_duplicate is
        # False, as state_dict needs: torch's state dict holds every name.
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for module_name, module in modules:
            for registry in registries:
                for name, value in module.__dict__[registry].items():
                    if value is None or (remove_duplicate and id(value) in seen):
                        continue
                    seen.add(id(value))
                    yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs in registration order, each parameter once."""
        yield from self._named_entries(("_parameters",), prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, parameter in self.named_parameters(recurse=recurse):
            yield parameter

    def named_buffers(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Tensor]]:
        yield from self._named_entries(("_buffers",), prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    # ------------------------------------------------------------------- modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode here and below (spectral normalization iterates only in training)."""
        for module in self.modules():
            object.__setattr__(module, "training", bool(mode))
        return self

    def eval(self) -> Module:
        return self.train(False)

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (sets ``.grad`` to None)."""
        for parameter in self.parameters():
            parameter.grad = None

    def requires_grad_(self, flag: bool = True) -> Module:
        """Freeze (False) or unfreeze every parameter, e.g. the critic during a generator step."""
        for parameter in self.parameters():
            parameter.requires_grad = flag
        return self

    # ----------------------------------------------------------- dtype/backend
    def to(self, dtype: Any = None, *, backend: str | None = None) -> Module:
        """Convert every parameter and buffer in place to ``dtype`` and/or move it to
        ``backend`` ("numpy", "strict", "cupy"); returns the module.

        Gradients are dropped (they belong to the old arrays). Use ``to("float64")``
        before ``mg.gradcheck``.
        """
        for registry in ("_parameters", "_buffers"):
            for module in self.modules():
                for value in module.__dict__[registry].values():
                    if value is None:
                        continue
                    array = value.data
                    if backend is not None:
                        array = _backends.asarray(array, backend=backend)
                    if dtype is not None:
                        array = array.astype(dtype)
                    value.data = array
                    value.grad = None
        return self

    astype = to

    def double(self) -> Module:
        return self.to("float64")

    def float(self) -> Module:
        return self.to("float32")

    # ------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, Any]:
        """``{dotted name: host NumPy array}`` of every parameter and buffer, copied.

        Names and shapes are PyTorch's (``"0.weight"`` of shape (out, in) for the first
        Linear of a Sequential), so ``np.savez(path, **module.state_dict())`` is a
        checkpoint both minigan and ``torch.nn`` can load.
        """
        state: dict[str, Any] = {}
        for name, value in self._state_entries():
            host = backend.to_host(value.data)
            state[name] = host.copy() if host is value.data else host  # never alias the live array
        return state

    def _state_entries(self) -> list[tuple[str, Tensor]]:
        return list(self._named_entries(("_parameters", "_buffers"), remove_duplicate=False))

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> IncompatibleKeys:
        """Copy ``state``'s arrays into the parameters and buffers, in place.

        Values may be host NumPy arrays, arrays of any backend or Tensors; they are
        converted to each parameter's backend and dtype (as ``torch`` copies). Every
        problem is reported at once in a :class:`StateDictError` naming the keys:
        missing and unexpected keys (unless ``strict=False``) and shape mismatches
        (always). Nothing is changed unless the whole state fits.
        """
        if not hasattr(state, "items"):
            raise TypeError(f"load_state_dict expects a mapping name → array, got {type(state).__name__}")
        entries = dict(self._state_entries())
        missing = [name for name in entries if name not in state]
        unexpected = [name for name in state if name not in entries]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(repr(k) for k in missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(repr(k) for k in unexpected))
        for name, target in entries.items():
            if name not in state:
                continue
            value = state[name]
            shape = tuple(getattr(value, "shape", ()))
            if shape != target.shape:
                problems.append(f"shape mismatch for {name!r}: checkpoint has {shape}, "
                                f"the module has {target.shape}")
        if problems:
            raise StateDictError(f"cannot load state dict into {type(self).__name__}: " + "; ".join(problems))
        for name, target in entries.items():
            if name in state:
                value = state[name]
                value = value.data if isinstance(value, Tensor) else value
                target.data[...] = backend.asarray(value, dtype=target.dtype, backend=target.backend)
        return IncompatibleKeys(missing, unexpected)

    # ---------------------------------------------------------------- printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        children = list(self.named_children())
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}("]
        for name, child in children:
            child_repr = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {child_repr}")
        lines.append(")")
        return "\n".join(lines)


_backends = backend  # `to` has a keyword named backend
