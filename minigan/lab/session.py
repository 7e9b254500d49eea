"""``LabSession``: one live training run that takes commands, applied only between steps.

The session owns a :class:`~minigan.gan.trainer.Run` and drives it with the trainer's own step
API (``run.critic_step()``, ``run.generator_step()``): the lab is a way of *watching* the
library's trainer, not a second trainer. Commands (play, pause, step, reset, set, preset, save)
are checked when they are submitted — a bad one raises :class:`LabCommandError` naming the field
and the value, and nothing is queued — and applied in order by :meth:`LabSession.apply_pending`,
which the driver calls only between steps. So a step always runs with one set of settings, and
the same seed with the same commands at the same step boundaries gives the same weights and the
same frames (the lab's test checks it).

What a ``set`` does to the run:

    gp_weight λ, clip_value c, n_critic, lr, generator_lr, batch_size   applied live
    loss, lipschitz among none / clip / gp                              applied live (same networks)
    lipschitz to or from "sn"                                           the critic is rebuilt from the
                                                                        seed (its parameters differ:
                                                                        W_orig and u, v); G is kept
    data, seed, hidden widths, activations, noise_dim                   the run restarts at step 0

A frame (:meth:`LabSession.frame`) is a JSON-ready dict: the step, the live settings under
``TrainConfig``'s names, the exact W₁ of the frame's points, and what the page draws (see
``FRAME_FIELDS`` in the README's protocol section). Frames read the run with their own random
generators and the critic in eval mode, so watching never changes training.
"""

from __future__ import annotations

import collections
import json
import math
import os
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np  # host side: frames are host arrays made JSON-ready

from minigan import animation, backend
from minigan.autodiff import Tensor
from minigan.gan import data as datasets
from minigan.gan.config import LIPSCHITZ_METHODS, LOSSES, TrainConfig
from minigan.gan.metrics import exact_w1, sampling_floor
from minigan.gan.penalty import gradient_norms, interpolate
from minigan.gan.trainer import Run, TrainingDiverged, build_networks, build_optimizer
from minigan.lab.presets import DEFAULT_PRESET, PRESETS, get_preset
from minigan.nn import lipschitz_upper_bound

__all__ = ["LabSession", "LabCommandError", "LIVE_SETTINGS", "RESTART_SETTINGS", "LAB_DATASETS", "ACTIONS",
           "CONTINUE_STEPS", "MAX_BATCH_SIZE"]

# Settings a "set" changes without restarting, and those that restart the run (module docstring).
LIVE_SETTINGS = ("loss", "lipschitz", "gp_weight", "clip_value", "n_critic", "lr", "generator_lr", "batch_size")
RESTART_SETTINGS = ("data", "seed", "generator_hidden", "critic_hidden", "generator_activation",
                    "critic_activation", "noise_dim")
SHOWN_SETTINGS = (*LIVE_SETTINGS, "data", "seed", "optimizer", "generator_hidden", "critic_hidden")
# The lab draws points, surfaces and arrows, so it takes the data sets of dimension 1 and 2.
LAB_DATASETS = tuple(name for name, data in datasets.DATASETS.items() if data.dim <= 2)
ACTIONS = ("play", "pause", "step", "reset", "set", "preset", "save")
STEP_KINDS = ("critic", "generator", "both")
MAX_BATCH_SIZE = 4096  # beyond this a step takes long enough that the lab stops feeling live
CONTINUE_STEPS = 1000  # a saved run's config asks for this many more steps: `minigan train --resume` runs them

FRAME_POINTS = 300  # real and generated points per frame; the exact W₁ between them every frame
FRAME_GRID = 48  # the critic's surface on a 48×48 grid (48 points in 1-D)
FRAME_ARROWS = 32  # ∇ₓD at this many generated points
FULL_W1_POINTS = 1000  # the exact W₁ on 1,000 points per side, now and then (the driver says when)
HISTOGRAM_BINS = 30
LAB_STREAM = 13  # frame generators are default_rng([seed, LAB_STREAM, step, critic steps]): never run.rng


class LabCommandError(ValueError):
    """A command the lab refuses: the message is one line naming the bad field and value."""


def _field(command: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(command) - {"action", *allowed})
    if unknown:
        raise LabCommandError(f"unknown field {unknown[0]!r} in a {command['action']!r} command; "
                              f"it takes {', '.join(allowed) or 'no other field'}")


class LabSession:
    """A live run: ``submit`` commands from any thread, ``tick`` from the training thread.

    ``LabSession(preset="09-clipping", data=None, seed=None)``: the preset's settings (see
    :mod:`minigan.lab.presets`), with ``data``/``seed`` on top when given. Attributes: ``run``
    (the Run), ``playing``, ``critic_steps`` (critic steps done outside whole generator steps
    and inside them), ``run_id`` (grows at every reset or restart, so a page knows to clear its
    curves), ``applied`` (the id of the last command applied), ``message`` (the last thing worth
    telling the user: a divergence, a save).
    """

    def __init__(self, preset: str = DEFAULT_PRESET, data: str | None = None, seed: int | None = None):
        self._lock = threading.Condition()
        self._queue: collections.deque[tuple[int, dict[str, Any]]] = collections.deque()
        self._next_id = 0
        self.applied = 0
        self.playing = False
        self.run_id = 0
        self.message = ""
        self.critic_steps = 0
        self.preset = get_preset(preset)
        values = self.preset.config_values()
        if data is not None:
            values["data"] = self._check_data(data)
        if seed is not None:
            values["seed"] = seed
        self.run = self._new_run(TrainConfig(**values))
        self._floors: dict[tuple[str, int], float] = {}

    # ------------------------------------------------------------------ state
    @property
    def config(self) -> TrainConfig:
        return self.run.config

    @property
    def step(self) -> int:
        """Generator steps done."""
        return self.run.step

    def settings(self) -> dict[str, Any]:
        """The live settings under TrainConfig's field names (tuples as lists)."""
        values = self.config.to_dict()
        return {name: values[name] for name in SHOWN_SETTINGS}

    def _new_run(self, config: TrainConfig) -> Run:
        run = Run.start(config)
        self._offset_generator(run)
        self.critic_steps = 0
        return run

    def _offset_generator(self, run: Run) -> None:
        offset = self.preset.generator_offset
        if offset is None or len(offset) != run.config.data_dim:
            return
        bias = list(run.generator.parameters())[-1]  # the last Linear's bias: G(z) + offset
        bias.data = bias.data + backend.asarray(list(offset), dtype=run.config.dtype)

    @staticmethod
    def _check_data(name: Any) -> str:
        if name not in LAB_DATASETS:
            extra = (f" ({name!r} has dimension {datasets.DATASETS[name].dim}: the lab draws 1-D and 2-D data)"
                     if name in datasets.DATASETS else "")
            raise LabCommandError(f"data must be one of {', '.join(LAB_DATASETS)}; got {name!r}{extra}")
        return name

    # --------------------------------------------------------------- commands
    def submit(self, command: Any) -> dict[str, Any]:
        """Check ``command`` (a dict, see the module docstring) and queue it; returns
        ``{"ok": True, "id": n}`` (``"folder"`` too for a save). Raises :class:`LabCommandError`
        for a bad command; nothing is queued then and the run goes on untouched."""
        checked = self._check(command)
        with self._lock:
            self._next_id += 1
            self._queue.append((self._next_id, checked))
            self._lock.notify_all()
            reply: dict[str, Any] = {"ok": True, "id": self._next_id}
        if "folder" in checked:
            reply["folder"] = checked["folder"]
        return reply

    def _check(self, command: Any) -> dict[str, Any]:
        if not isinstance(command, Mapping):
            raise LabCommandError(f"a command must be a JSON object like {{\"action\": \"play\"}}; got {command!r}")
        action = command.get("action")
        if action not in ACTIONS:
            raise LabCommandError(f"action must be one of {', '.join(ACTIONS)}; got {action!r}")
        checked = dict(command)
        if action in ("play", "pause", "reset"):
            _field(command, ())
        elif action == "step":
            _field(command, ("what",))
            what = command.get("what", "both")
            if what not in STEP_KINDS:
                raise LabCommandError(f"what must be one of {', '.join(STEP_KINDS)}; got {what!r}")
            checked["what"] = what
        elif action == "set":
            _field(command, ("settings",))
            checked["settings"] = self._check_settings(command.get("settings"))
        elif action == "preset":
            _field(command, ("name",))
            name = command.get("name")
            if name not in PRESETS:
                raise LabCommandError(f"name must be one of {', '.join(PRESETS)}; got {name!r}")
        elif action == "save":
            _field(command, ("folder",))
            folder = command.get("folder")
            if folder is None:
                folder = f"lab-runs/{self.config.data}-{self.config.loss}-{self.config.lipschitz}-{int(time.time())}"
            if not isinstance(folder, str) or not folder.strip():
                raise LabCommandError(f"folder must name a folder; got {folder!r}")
            path = Path(folder).expanduser()
            if path.exists() and not path.is_dir():
                raise LabCommandError(f"folder {folder!r} is a file, not a folder")
            checked["folder"] = str(path)
        return checked

    def _check_settings(self, settings: Any) -> dict[str, Any]:
        if not isinstance(settings, Mapping) or not settings:
            raise LabCommandError(f"settings must be a JSON object of TrainConfig fields like "
                                  f"{{\"gp_weight\": 1.0}}; got {settings!r}")
        allowed = (*LIVE_SETTINGS, *RESTART_SETTINGS)
        converted: dict[str, Any] = {}
        for name, value in settings.items():
            if name not in allowed:
                raise LabCommandError(f"unknown setting {name!r}; the lab sets {', '.join(allowed)}")
            if value is None and name != "generator_lr":
                raise LabCommandError(f"{name} must have a value; got null")
            if name in ("generator_hidden", "critic_hidden"):
                if not isinstance(value, list | tuple) or not value:
                    raise LabCommandError(f"{name} must be a list of layer widths like [64, 64]; got {value!r}")
                value = tuple(value)
            if name == "data":
                self._check_data(value)
            if name == "batch_size" and isinstance(value, int) and value > MAX_BATCH_SIZE:
                raise LabCommandError(f"batch_size must be at most {MAX_BATCH_SIZE} in the lab; got {value!r}")
            if name == "loss" and value not in LOSSES:
                raise LabCommandError(f"loss must be one of {', '.join(LOSSES)}; got {value!r}")
            if name == "lipschitz" and value not in LIPSCHITZ_METHODS:
                raise LabCommandError(f"lipschitz must be one of {', '.join(LIPSCHITZ_METHODS)}; got {value!r}")
            converted[name] = value
        try:
            self.config.replace(**converted)  # TrainConfig's own checks name the field and the value
        except (TypeError, ValueError) as error:
            raise LabCommandError(str(error)) from None
        return converted

    def pending(self) -> int:
        """Commands queued and not yet applied."""
        with self._lock:
            return len(self._queue)

    def wait_for_command(self, timeout: float) -> bool:
        """Block until a command is queued (True) or ``timeout`` seconds pass (False)."""
        with self._lock:
            return self._lock.wait_for(lambda: bool(self._queue), timeout=timeout)

    def wake(self) -> None:
        """Wake a thread blocked in :meth:`wait_for_command` (the server does at shutdown)."""
        with self._lock:
            self._lock.notify_all()

    def apply_pending(self) -> list[dict[str, Any]]:
        """Apply every queued command, in order; call it only between steps. Returns the commands
        applied (each with its ``id``)."""
        done = []
        while True:
            with self._lock:
                if not self._queue:
                    return done
                identifier, command = self._queue.popleft()
            self._apply(command)
            self.applied = identifier
            done.append({"id": identifier, **command})

    def _apply(self, command: dict[str, Any]) -> None:
        action = command["action"]
        if action == "play":
            self.playing = True
        elif action == "pause":
            self.playing = False
        elif action == "step":
            self.playing = False  # stepping by hand pauses, as GAN Lab's step buttons do
            self.step_once(command["what"])
        elif action == "reset":
            self._restart(self.config)
        elif action == "preset":
            self.preset = get_preset(command["name"])
            self._restart(TrainConfig(**self.preset.config_values()))
        elif action == "set":
            self._set(command["settings"])
        elif action == "save":
            self.save(command["folder"])

    def _restart(self, config: TrainConfig) -> None:
        self.run = self._new_run(config)
        self.run_id += 1
        self.message = ""

    def _set(self, settings: dict[str, Any]) -> None:
        old = self.config
        new = old.replace(**settings)
        if any(getattr(new, name) != getattr(old, name) for name in RESTART_SETTINGS):
            self._restart(new)
            return
        run = self.run
        run.config = new
        if (old.lipschitz == "sn") != (new.lipschitz == "sn"):
            # W/σ(W) layers have other parameters (W_orig, u, v): a fresh critic from the seed
            backend.manual_seed(new.seed)
            _, run.critic = build_networks(new)
            run.critic_optimizer = build_optimizer(run.critic.parameters(), new)
        run.critic_optimizer.lr = new.lr
        run.generator_optimizer.lr = new.generator_lr or new.lr

    # ------------------------------------------------------------------ steps
    def step_once(self, what: str = "both") -> None:
        """One step of the run: "critic" (one critic step), "generator" (one generator step) or
        "both" (n_critic critic steps then a generator step: one step of :meth:`Run.fit`). A
        divergence pauses the lab and says so in :attr:`message`; the weights stay as they were
        before the bad step (the trainer checks the loss before it steps)."""
        run = self.run
        started = time.perf_counter()
        try:
            if what in ("critic", "both"):
                for _ in range(run.config.n_critic if what == "both" else 1):
                    critic_value = run.critic_step()
                    self.critic_steps += 1
                run._last_losses = (critic_value, run._last_losses[1])
            if what in ("generator", "both"):
                generator_value = run.generator_step()
                run.step += 1
                run._last_losses = (run._last_losses[0], generator_value)
        except TrainingDiverged as error:
            self.playing = False
            self.message = f"{error}"
        run.train_time += time.perf_counter() - started

    def tick(self) -> bool:
        """Apply the queued commands, then one step when playing; True when anything happened."""
        applied = self.apply_pending()
        if self.playing:
            self.step_once("both")
            return True
        return bool(applied)

    # ------------------------------------------------------------------ saving
    def save(self, folder: str | os.PathLike) -> Path:
        """Write ``checkpoint.npz``, ``history.csv``/``.json`` and ``config.json`` to ``folder``:
        ``minigan train --resume --out FOLDER`` continues the run from there, for
        :data:`CONTINUE_STEPS` more steps (or ``--steps N``), at the lab's current settings."""
        run = self.run
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        run.config = run.config.replace(out=str(folder), steps=run.step + CONTINUE_STEPS)
        run.out = folder
        history = run.history
        if len(history) == 0 or history.last()["step"] != run.step:
            run._log(run.wall_time + run.train_time)  # the trainer's own history row at this step
        run.save_checkpoint()
        run.write_history()
        (folder / "config.json").write_text(json.dumps(run.config.to_dict(), indent=1) + "\n")
        self.message = f"saved step {run.step} to {folder}: minigan train --resume --out {folder}"
        return folder

    # ------------------------------------------------------------------ frames
    def sampling_floor(self, points: int = FRAME_POINTS) -> float:
        """The exact W₁ between two independent samples of the data of ``points`` points each: what
        the frame's W₁ would show for a perfect generator (cached per data set)."""
        key = (self.config.data, points)
        if key not in self._floors:
            self._floors[key] = sampling_floor(self.run.data, points, self.config.seed)
        return self._floors[key]

    def full_w1(self) -> float:
        """The exact W₁ between :data:`FULL_W1_POINTS` generated and as many real points (slower
        than a frame: the server adds it to a frame every couple of seconds)."""
        return float(exact_w1(*self._full_sample()))

    def frame(self, full_w1: bool = False) -> dict[str, Any]:
        """What the page draws now, JSON-ready (non-finite numbers become null). ``full_w1``: also
        :meth:`full_w1` as ``w1_exact_full`` (else null)."""
        run, config = self.run, self.config
        # the library's one recorder takes the snapshot: the same one train's frames and compare's grid draw
        snapshot = animation.take(run, points=FRAME_POINTS, grid=FRAME_GRID, arrows=FRAME_ARROWS)
        real, generated = snapshot["real"], snapshot["generated"]
        rng = np.random.default_rng([config.seed, LAB_STREAM, run.step, self.critic_steps])
        dtype = config.dtype
        was_training = run.critic.training
        run.critic.eval()
        try:
            mixed = interpolate(Tensor(backend.asarray(real, dtype=dtype)),
                                Tensor(backend.asarray(generated, dtype=dtype)), generator=rng)
            norms = gradient_norms(run.critic, mixed).numpy().astype(np.float64)
            try:
                bound = lipschitz_upper_bound(run.critic)
            except ValueError:  # an activation whose slope ∏‖Wᵢ‖ₛ cannot bound: no bound to show
                bound = math.nan
        finally:
            run.critic.train(was_training)
        scores_real = run.critic_values(real)
        scores_fake = run.critic_values(generated)
        estimate = float(scores_real.mean() - scores_fake.mean())
        slope = _largest(norms) if norms.size else math.nan
        weights = np.concatenate([p.numpy().astype(np.float64).ravel() for p in run.critic.parameters()])
        critic_loss, generator_loss = run._last_losses
        frame: dict[str, Any] = {
            "step": run.step,
            "critic_steps": self.critic_steps,
            "playing": self.playing,
            "run_id": self.run_id,
            "applied": self.applied,
            "preset": self.preset.name,
            "message": self.message,
            "settings": self.settings(),
            "dim": run.data.dim,
            "plot_range": run.data.plot_range,
            "discriminator": config.loss != "wgan",
            "w1_exact": snapshot["w1_exact"],
            "w1_points": FRAME_POINTS,
            "w1_exact_full": self.full_w1() if full_w1 else None,
            "sampling_floor": self.sampling_floor(),
            "w1_critic": estimate,
            "slope": slope,
            "w1_critic_per_slope": estimate / slope if slope > 0 else None,
            "lipschitz_bound": bound,
            "critic_loss": critic_loss,
            "generator_loss": generator_loss,
            "real": _rounded(real),
            "generated": _rounded(generated),
            "grid_x": _rounded(snapshot["grid_x"]),
            "grid_values": _rounded(snapshot["grid_values"]),
            "arrow_points": _rounded(snapshot["arrow_points"]),
            "arrow_vectors": _rounded(snapshot["arrow_vectors"]),
            "grad_norms": _histogram(norms, 0.0, max(2.0, _largest(norms) if norms.size else 2.0)),
            # 10 % wider than the weights, so lines at ±c on the edge of a clipped critic stay visible
            "weights": _histogram(weights, -1.1 * _largest(np.abs(weights)),
                                  1.1 * _largest(np.abs(weights))),
        }
        if run.data.dim == 1:
            from minigan.distances import optimal_critic_1d

            optimal = optimal_critic_1d(real[:, 0], generated[:, 0], grid=snapshot["grid_x"])
            frame["optimal_critic"] = _rounded(optimal.values)
        return _finite_fields(frame)

    def _full_sample(self) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng([self.config.seed, LAB_STREAM + 1, self.run.step])
        return self.run.sample(FULL_W1_POINTS, rng), self.run.data.host(FULL_W1_POINTS, rng)


def _rounded(values: Any, digits: int = 4) -> list:
    """A host array as nested lists of numbers rounded to ``digits`` (a frame is sent ~10 times a
    second: four decimals are finer than a pixel and keep it small); non-finite entries as None."""
    array = np.round(np.asarray(values, dtype=np.float64), digits)
    if np.isfinite(array).all():
        return array.tolist()
    return _finite(array.tolist())  # rare (a diverging run): the slow path


def _largest(values: np.ndarray) -> float:
    """The largest finite entry of ``values``; NaN when there is none."""
    finite = values[np.isfinite(values)]
    return float(finite.max()) if finite.size else math.nan


def _histogram(values: np.ndarray, low: float, high: float) -> dict[str, Any]:
    """Counts of ``values`` in HISTOGRAM_BINS bins over [low, high], with their mean and largest |·|
    (non-finite values left out; the page gets null for a mean or max it cannot have)."""
    values = values[np.isfinite(values)]
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = -1.0, 1.0
    if not high > low:
        low, high = low - 1.0, high + 1.0
    counts, _ = np.histogram(values, bins=HISTOGRAM_BINS, range=(low, high))
    return {"counts": counts.tolist(), "low": low, "high": high,
            "mean": float(values.mean()) if values.size else math.nan,
            "max": float(np.abs(values).max()) if values.size else math.nan}


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity (browsers refuse them): non-finite floats become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _finite_fields(frame: dict[str, Any]) -> dict[str, Any]:
    """:func:`_finite` on a frame's numbers and small dicts; its arrays are already clean (``_rounded``)."""
    return {key: value if isinstance(value, list) else _finite(value) for key, value in frame.items()}
