"""Training a GAN or WGAN on toy data: ``train(config)`` and the :class:`Run` it returns (lessons 09–12).

One generator step is ``n_critic`` critic steps followed by one generator step, exactly as in
WGAN's Algorithm 1 and WGAN-GP's Algorithm 1. A critic step draws, in this order, a real batch,
the noise z for a generated batch, and (gradient penalty only) the interpolation weights ε:

    rates:      lr_t = lr · learning_rate_factor(lr_schedule, t, steps)  (1, or a linear decay)
    critic:     L_D = loss_D(D(x), D(G(z)))  [+ λ·E(‖∇ₓ̂D(x̂)‖ − 1)²  with "gp"]
                D ← optimizer step on ∇L_D;   clip every critic parameter to [−c, c]  with "clip"
    generator:  L_G = loss_G(D(G(z)))
                G ← optimizer step on ∇L_G

What the Lipschitz method adds (wrapping the critic, a penalty term, a step after each critic
update) comes from its entry in :data:`minigan.gan.methods.METHODS`: "sn" wraps every critic Linear
in spectral normalisation (W/σ(W), one power iteration per forward pass in training mode, as
PyTorch), "gp" adds λ times the penalty, "clip" clips after each step. Gradients are taken with
``grad`` with respect to one network's parameters at a time, so a generator step never touches the critic's gradients.

Reproducibility. ``mg.manual_seed(config.seed)`` seeds the networks' initialisation; training
then draws every batch, noise vector and ε from the run's own host generator (seeded by
``config.seed`` on a separate stream), and the metrics draw from generators keyed by
(seed, step). A run is therefore a pure function of its config — logging more or less often does
not change the weights — and the same on NumPy and strict (and, up to round-off, CuPy).

Checkpoints (``out/checkpoint.npz``) hold both networks, both optimizers, the step, the config,
the generator state and the history; ``train(config, resume=True)`` continues a run so that
stopping at step k and resuming gives bit for bit the weights of an uninterrupted run.

Divergence. Every loss is checked as it is computed; a NaN or ±inf stops the run with
:class:`TrainingDiverged`, naming the step and the quantity. Nothing is written after the last
good step, so the last good checkpoint stays on disk.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np  # host side: the run's random generator and host copies for checkpoints

from minigan import backend, nn, optim
from minigan.autodiff import Tensor, grad, no_grad
from minigan.gan import checkpoint as checkpoints
from minigan.gan import data as datasets
from minigan.gan.checkpoint import CheckpointError, CheckpointMismatchError
from minigan.gan.config import TrainConfig, learning_rate_factor
from minigan.gan.history import History
from minigan.gan.losses import critic_loss, generator_loss
from minigan.gan.methods import METHODS
from minigan.gan.metrics import evaluate, metric_generator
from minigan.gan.snapshots import SNAPSHOT_FOLDER, save_snapshot, take_snapshot
from minigan.nn import StateDictError

__all__ = ["train", "prepare", "Run", "TrainingDiverged", "RunExistsError", "build_networks", "build_optimizer",
           "CHECKPOINT_NAME", "remove_stale_temporaries"]

CHECKPOINT_NAME = "checkpoint.npz"
TRAIN_STREAM = 1  # the training generator is default_rng([seed, TRAIN_STREAM])

Callback = Callable[["Run"], Any]
SnapshotCallback = Callable[["Run", dict], Any]


class RunExistsError(FileExistsError):
    """``config.out`` already holds a run's checkpoint (``path``, as data) and neither resume nor
    overwrite was asked for."""

    def __init__(self, path: Path):
        self.path = path
        super().__init__(f"{path} already holds a checkpoint; pass resume=True to continue that run, "
                         "overwrite=True to start afresh, or choose another out folder")


class TrainingDiverged(RuntimeError):
    """A loss (or the weights) became NaN or infinite; the run stopped before saving anything bad.

    Attributes: ``step`` (the generator step being computed, counting from 1), ``quantity``
    ("critic loss", "generator loss", ...), ``value``, and ``checkpoint``: the path of the last
    good checkpoint, or None when none was written.
    """

    def __init__(self, step: int, quantity: str, value: float, checkpoint: Path | None = None,
                 checkpoint_step: int | None = None):
        self.step = step
        self.quantity = quantity
        self.value = value
        self.checkpoint = checkpoint
        self.checkpoint_step = checkpoint_step
        super().__init__(self._message())

    def _message(self) -> str:
        text = f"training diverged at step {self.step}: the {self.quantity} is {self.value}"
        if self.checkpoint is not None:
            text += f"; the last good checkpoint (step {self.checkpoint_step}) is kept at {self.checkpoint}"
        else:
            text += "; no checkpoint had been written"
        return text + ". Try a smaller learning rate."

    def with_checkpoint(self, path: Path | None, step: int | None) -> TrainingDiverged:
        self.checkpoint, self.checkpoint_step = path, step
        self.args = (self._message(),)
        return self


# ------------------------------------------------------------------------------ building blocks
def build_networks(config: TrainConfig) -> tuple[Any, Any]:
    """(generator, critic) as MLPs of ``config``'s sizes; the critic spectrally normalised with "sn".

    Draws the initial weights from ``minigan.backend.rng()``.
    """
    final = None if config.generator_final_activation == "identity" else config.generator_final_activation
    generator = nn.MLP(config.generator_sizes, activation=config.generator_activation, dtype=config.dtype,
                       init=config.init, final_activation=final)
    critic = nn.MLP(config.critic_sizes, activation=config.critic_activation, dtype=config.dtype,
                    init=config.init)
    wrap = METHODS[config.lipschitz].wrap
    if wrap is not None:
        wrap(critic, config)
    return generator, critic


def build_optimizer(parameters: Any, config: TrainConfig, lr: float | None = None) -> Any:
    """The optimizer ``config`` names, with its settings, over ``parameters`` (at ``lr`` if given,
    else ``config.lr``)."""
    lr = config.lr if lr is None else lr
    if config.optimizer == "adam":
        return optim.Adam(parameters, lr=lr, betas=config.betas, eps=config.eps)
    if config.optimizer == "rmsprop":
        return optim.RMSprop(parameters, lr=lr, alpha=config.rmsprop_alpha, eps=config.eps)
    return optim.SGD(parameters, lr=lr, momentum=config.momentum)


def _descend(loss: Tensor, parameters: list[Tensor], optimizer: Any) -> None:
    """One optimizer step down ``loss``: the gradients of exactly these parameters (``grad``, so the
    other network's parameters get none), the step, then zeroed for the next one."""
    for parameter, gradient in zip(parameters, grad(loss, parameters)):
        parameter.grad = gradient
    optimizer.step()
    optimizer.zero_grad()


def _finite_or_raise(value: float, step: int, quantity: str) -> float:
    if not math.isfinite(value):
        raise TrainingDiverged(step, quantity, value)
    return value


# ------------------------------------------------------------------------------------ the run
class Run:
    """A training run: the config, both networks and optimizers, the step counter and the history.

    Make one with :func:`train` (which also trains it), ``Run.start(config)`` (fresh, untrained)
    or ``Run.from_checkpoint(path)``; continue it with :meth:`fit`.

    Attributes:
        config, generator, critic, generator_optimizer, critic_optimizer, history (a
        :class:`~minigan.gan.history.History`), step (generator steps done), data (the
        :class:`~minigan.gan.data.DataSet`), rng (the training generator), out (a Path or None).
    """

    def __init__(self, config: TrainConfig, generator: Any, critic: Any, rng: np.random.Generator):
        self.config = config
        self.data = datasets.get(config.data)
        self.generator = generator
        self.critic = critic
        # generator_lr None: both networks at config.lr
        self.generator_optimizer = build_optimizer(generator.parameters(), config, lr=config.generator_lr)
        self.critic_optimizer = build_optimizer(critic.parameters(), config)
        self.rng = rng
        self.history = History()
        self.step = 0
        self.out = None if config.out is None else Path(config.out)
        self.wall_time = 0.0  # seconds in earlier sessions (before a resume)
        self.train_time = 0.0
        self.last_checkpoint_step: int | None = None
        self.snapshots: list[dict[str, Any]] = []  # with config.snapshot_every (this session's)
        self._last_losses = (math.nan, math.nan)

    # ------------------------------------------------------------------- making runs
    @classmethod
    def start(cls, config: TrainConfig) -> Run:
        """A fresh run: seeds minigan's generator with ``config.seed`` and builds the networks."""
        if config.backend is not None:
            backend.use(config.backend)
        backend.manual_seed(config.seed)
        generator, critic = build_networks(config)
        return cls(config, generator, critic, np.random.default_rng([config.seed, TRAIN_STREAM]))

    @classmethod
    def from_checkpoint(cls, path: str | os.PathLike, config: TrainConfig | None = None) -> Run:
        """The run saved at ``path``, ready to continue.

        ``config`` (optional) is the config to continue with: it may change only the settings in
        ``RESUMABLE_CHANGES`` (steps, logging, output, backend); any other difference — another
        architecture, loss, optimizer setting or seed — raises :class:`CheckpointMismatchError`
        naming each difference. A missing, truncated or corrupt file raises
        :class:`CheckpointError`. Either way nothing on disk is changed.
        """
        path = Path(path)
        saved = checkpoints.load(path)
        try:
            saved_config = TrainConfig.from_dict(saved.config)
        except (TypeError, ValueError) as error:
            raise CheckpointError(
                f"checkpoint {path}: its config is not a valid TrainConfig ({error})"
            ) from error
        if config is None:
            config = saved_config
        else:
            differences = config.differences(saved_config)
            if differences:
                raise CheckpointMismatchError(
                    f"checkpoint {path} belongs to a different run; it cannot be resumed with this config: "
                    + "; ".join(config.mismatches(saved_config)), differences=differences, path=path)
        run = cls.start(config)
        run._restore(saved, path)
        return run

    def _restore(self, saved: checkpoints.Checkpoint, path: Path) -> None:
        try:
            self.generator.load_state_dict(saved.generator)
            self.critic.load_state_dict(saved.critic)
        except StateDictError as error:
            raise CheckpointMismatchError(
                f"checkpoint {path} does not fit this run's networks: {error}"
            ) from error
        try:
            self.generator_optimizer.load_state_dict(saved.generator_optimizer)
            self.critic_optimizer.load_state_dict(saved.critic_optimizer)
        except ValueError as error:
            raise CheckpointMismatchError(
                f"checkpoint {path} does not fit this run's optimizers: {error}"
            ) from error
        try:
            self.rng.bit_generator.state = saved.rng_state
        except (TypeError, ValueError, KeyError) as error:
            raise CheckpointError(f"checkpoint {path}: invalid random generator state ({error})") from error
        try:
            self.history = History.from_json(saved.history_json)
        except (TypeError, ValueError) as error:
            raise CheckpointError(f"checkpoint {path}: invalid history ({error})") from error
        self.step = saved.step
        self.wall_time, self.train_time = saved.elapsed
        self.last_checkpoint_step = saved.step

    # -------------------------------------------------------------------------- training
    def fit(self, progress: bool = False, callback: Callback | None = None,
            on_snapshot: SnapshotCallback | None = None) -> Run:
        """Train until ``config.steps`` generator steps are done; returns self.

        ``progress`` shows a tqdm bar with the latest exact W₁. ``callback(run)`` runs after
        every generator step (lessons use it to watch or to intervene). With
        ``config.snapshot_every`` = N a snapshot (:func:`~minigan.gan.snapshots.take_snapshot`)
        is taken at the start, every N steps and at the end, appended to ``run.snapshots`` and
        passed to ``on_snapshot(run, snapshot)`` at once (the command line draws a frame there).
        Writes the checkpoint every ``checkpoint_every`` steps and at the end, and the history as
        CSV and JSON, when ``config.out`` is set; temporary files a killed run left in ``out`` are
        removed first. Raises :class:`TrainingDiverged` on a NaN/inf loss; on KeyboardInterrupt
        writes the history so far and re-raises (the last checkpoint stays as it was).
        """
        config = self.config
        session_start = time.perf_counter()
        wall_offset = self.wall_time

        def elapsed() -> float:
            return wall_offset + (time.perf_counter() - session_start)

        if self.out is not None:
            self.out.mkdir(parents=True, exist_ok=True)
            remove_stale_temporaries(self.out)
            checkpoints.write_text_atomic(self.out / "config.json", json.dumps(config.to_dict(), indent=1) + "\n")
        if len(self.history) == 0:
            self._log(elapsed())
        every_snapshot = config.snapshot_every

        def snapshot_due() -> bool:
            return bool(every_snapshot) and (self.step % every_snapshot == 0 or self.step == config.steps)

        if every_snapshot and self.step % every_snapshot == 0 and not any(s["step"] == self.step
                                                                         for s in self.snapshots):
            self._snapshot(on_snapshot)  # step 0, or a resume at a snapshot step (the same weights)
        bar = _progress_bar(progress, config.steps, self.step, self.history)
        try:
            while self.step < config.steps:
                started = time.perf_counter()
                self._last_losses = self._train_step(self.step + 1)
                self.step += 1
                self.train_time += time.perf_counter() - started
                if callback is not None:
                    callback(self)
                if self.step % config.log_every == 0 or self.step == config.steps:
                    self._log(elapsed())
                    if bar is not None:
                        bar.set_postfix(**_postfix(self.history.last()), refresh=False)
                if bar is not None:
                    bar.update(1)
                if snapshot_due():
                    self._snapshot(on_snapshot)
                every = config.checkpoint_every
                if self.out is not None and every and self.step % every == 0 and self.step < config.steps:
                    self.wall_time = elapsed()
                    self.save_checkpoint()
        except TrainingDiverged as error:
            if self.out is not None:
                self.write_history()
            path = self.checkpoint_path if self.last_checkpoint_step is not None else None
            raise error.with_checkpoint(path, self.last_checkpoint_step) from None
        except KeyboardInterrupt:
            self.wall_time = elapsed()
            if self.out is not None:
                self.write_history()
            raise
        finally:
            if bar is not None:
                bar.close()
        self.wall_time = elapsed()
        if self.out is not None:
            if self.last_checkpoint_step != self.step:
                self.save_checkpoint()
            self.write_history()
        return self

    def _snapshot(self, on_snapshot: SnapshotCallback | None) -> None:
        snapshot = take_snapshot(self)
        self.snapshots.append(snapshot)
        if self.out is not None:
            save_snapshot(snapshot, self.out / SNAPSHOT_FOLDER)
        if on_snapshot is not None:
            on_snapshot(self, snapshot)

    def _train_step(self, step: int) -> tuple[float, float]:
        """One generator step preceded by n_critic critic steps; returns (critic loss, generator loss)."""
        config = self.config
        if config.lr_schedule != "constant":
            # a constant schedule leaves the rates alone, so a callback may still set its own (lessons 11, 12)
            factor = learning_rate_factor(config.lr_schedule, step, config.steps)
            self.critic_optimizer.lr = config.lr * factor
            self.generator_optimizer.lr = (config.generator_lr or config.lr) * factor
        critic_value = math.nan
        for _ in range(config.n_critic):
            critic_value = self.critic_step(step)
        return critic_value, self.generator_step(step)

    def critic_step(self, step: int | None = None) -> float:
        """One critic step on the run as it stands; returns the critic loss (the step-level API the
        live lab drives; :meth:`fit` makes ``n_critic`` of these per generator step).

        Draws a real batch, the noise z and (with "gp") ε from ``run.rng``; L_D = loss_D(D(x), D(G(z)))
        [+ the method's penalty, e.g. λ·E(‖∇ₓ̂D(x̂)‖ − 1)²]; an optimizer step; the method's after-step
        (e.g. clipping to [−c, c]); the methods are the table in :mod:`minigan.gan.methods`. Does not move
        ``run.step``; ``step`` (default ``run.step + 1``) only names the step in a divergence error.
        """
        config, rng, dtype = self.config, self.rng, self.config.dtype
        step = self.step + 1 if step is None else step
        critic_parameters = list(self.critic.parameters())
        real = self.data.tensor(config.batch_size, rng, dtype)
        noise = Tensor(backend.random_normal((config.batch_size, config.noise_dim), dtype=dtype, generator=rng))
        with no_grad():
            fake = self.generator(noise)
        loss = critic_loss(config.loss, self.critic(real), self.critic(fake))
        method = METHODS[config.lipschitz]
        if method.penalty is not None:
            loss = loss + method.penalty(self.critic, real, fake, config, rng)
        critic_value = _finite_or_raise(loss.item(), step, "critic loss")
        _descend(loss, critic_parameters, self.critic_optimizer)
        if method.after_step is not None:
            method.after_step(self.critic, config)
        return critic_value

    def generator_step(self, step: int | None = None) -> float:
        """One generator step on a fresh z from ``run.rng``: L_G = loss_G(D(G(z))), an optimizer step;
        returns the generator loss. Does not move ``run.step`` (the caller counts, as :meth:`fit`)."""
        config, dtype = self.config, self.config.dtype
        step = self.step + 1 if step is None else step
        generator_parameters = list(self.generator.parameters())
        noise = Tensor(backend.random_normal((config.batch_size, config.noise_dim), dtype=dtype, generator=self.rng))
        loss = generator_loss(config.loss, self.critic(self.generator(noise)))
        generator_value = _finite_or_raise(loss.item(), step, "generator loss")
        _descend(loss, generator_parameters, self.generator_optimizer)
        return generator_value

    def _log(self, wall_time: float) -> None:
        config = self.config
        metrics = evaluate(self.generator, self.critic, self.data, config.noise_dim, config.metric_samples,
                           metric_generator(config.seed, self.step), dtype=config.dtype,
                           discriminator=config.loss != "wgan")
        critic_value, generator_value = self._last_losses
        row = {
            "step": self.step,
            "critic_loss": critic_value,
            "generator_loss": generator_value,
            **metrics,
            "wall_time": wall_time,
            "train_time": self.train_time,
        }
        if len(self.history) and self.history.columns != list(row):  # resumed from an older checkpoint
            self.history = self.history.with_columns(row)
        self.history.append(row)

    # ---------------------------------------------------------------------- saving
    @property
    def checkpoint_path(self) -> Path:
        if self.out is None:
            raise ValueError("this run has no out folder (config.out is None)")
        return self.out / CHECKPOINT_NAME

    def save_checkpoint(self, path: str | os.PathLike | None = None) -> Path:
        """Write the run's state to ``path`` (default ``out/checkpoint.npz``) atomically.

        Refuses (:class:`TrainingDiverged`) to save weights or optimizer state that hold a NaN or
        inf, so a good checkpoint is never replaced by a broken one.
        """
        target = self.checkpoint_path if path is None else Path(path)
        state = checkpoints.Checkpoint(
            step=self.step,
            config=self.config.to_dict(),
            rng_state=self.rng.bit_generator.state,
            history_json=self.history.to_json(),
            generator=self.generator.state_dict(),
            critic=self.critic.state_dict(),
            generator_optimizer=self.generator_optimizer.state_dict(),
            critic_optimizer=self.critic_optimizer.state_dict(),
            elapsed=(self.wall_time, self.train_time),
        )
        for group in ("generator", "critic", "generator_optimizer", "critic_optimizer"):
            for name, value in getattr(state, group).items():
                array = np.asarray(value)
                if array.dtype.kind == "f" and not np.isfinite(array).all():
                    raise TrainingDiverged(self.step, f"{group.replace('_', ' ')} entry {name!r}", math.nan)
        checkpoints.save(target, state)
        if path is None:
            self.last_checkpoint_step = self.step
        return target

    def write_history(self, folder: str | os.PathLike | None = None) -> tuple[Path, Path]:
        """Write ``history.csv`` and ``history.json`` into ``folder`` (default ``out``)."""
        folder = self.out if folder is None else Path(folder)
        if folder is None:
            raise ValueError("write_history needs a folder: this run has no out folder")
        folder.mkdir(parents=True, exist_ok=True)
        csv_path = self.history.write_csv(folder / "history.csv")
        return csv_path, self.history.write_json(folder / "history.json")

    # ---------------------------------------------------------------------- using
    def sample(self, n: int, generator: np.random.Generator | None = None) -> np.ndarray:
        """n generated points as a float64 host array (z drawn from ``generator`` or mg.backend.rng())."""
        noise = Tensor(backend.random_normal((n, self.config.noise_dim), dtype=self.config.dtype,
                                             generator=generator))
        with no_grad():
            return self.generator(noise).numpy().astype(np.float64)

    def critic_values(self, points: Any, batch: int = 8192) -> np.ndarray:
        """D at host points of shape (m, d) (or (m,) in 1-D), as a float64 host array of shape (m,).

        The critic runs in eval mode (spectral normalisation does not iterate) in batches.
        """
        points = np.asarray(points, dtype=np.float64)
        if points.ndim == 1:
            points = points[:, None]
        if points.ndim != 2 or points.shape[1] != self.config.data_dim:
            raise ValueError(f"points must have shape (m, {self.config.data_dim}), got {points.shape}")
        was_training = self.critic.training
        self.critic.eval()
        values = []
        try:
            with no_grad():
                for start in range(0, points.shape[0], batch):
                    chunk = Tensor(backend.asarray(points[start:start + batch], dtype=self.config.dtype))
                    values.append(self.critic(chunk).numpy().reshape(-1))
        finally:
            self.critic.train(was_training)
        return np.concatenate(values).astype(np.float64) if values else np.zeros(0)

    def __repr__(self) -> str:
        c = self.config
        return f"Run(data={c.data}, loss={c.loss}, lipschitz={c.lipschitz}, step={self.step}/{c.steps})"


def _postfix(row: dict) -> dict[str, str]:
    """The progress line's numbers: the exact W₁ (with its floor and the mode count for the digits)."""
    if "w1_floor" not in row:
        return {"W1": f"{row['w1_exact']:.4f}"}
    return {"W1": f"{row['w1_exact']:.3f}", "floor": f"{row['w1_floor']:.3f}",
            "digits": f"{int(row['modes_covered'])}/10"}


def _progress_bar(enabled: bool, total: int, initial: int, history: History) -> Any:
    if not enabled:
        return None
    from tqdm.auto import tqdm

    bar = tqdm(total=total, initial=initial, unit="step", dynamic_ncols=True)
    if len(history):
        bar.set_postfix(**_postfix(history.last()), refresh=False)
    return bar


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete the temporary files (``.NAME.*.tmp``) a run killed while writing left in ``folder``
    and in its ``snapshots/`` (the atomic write never reached its rename); returns what was removed."""
    removed = []
    for pattern in (".*.tmp", f"{SNAPSHOT_FOLDER}/.*.tmp"):
        for path in folder.glob(pattern):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


# ------------------------------------------------------------------------------- entry point
def train(config: TrainConfig | None = None, *, resume: bool = False, overwrite: bool = False,
          progress: bool = False, callback: Callback | None = None, **overrides: Any) -> Run:
    """Train a GAN as ``config`` says and return the :class:`Run` (lessons 09, 11, 12).

    ``train(steps=200, lipschitz="clip")`` is ``train(TrainConfig(steps=200, lipschitz="clip"))``.

    With ``config.out`` set, the folder gets ``checkpoint.npz`` (every ``checkpoint_every`` steps
    and at the end), ``history.csv``, ``history.json`` and ``config.json``. A folder that already
    holds a checkpoint is never silently overwritten: pass ``resume=True`` to continue that run
    (its settings must match, see :meth:`Run.from_checkpoint`; ``steps`` may grow) or
    ``overwrite=True`` to start afresh. Raises :class:`TrainingDiverged` when a loss becomes
    NaN/inf, keeping the last good checkpoint.
    """
    if config is None:
        config = TrainConfig(**overrides)
    elif overrides:
        config = config.replace(**overrides)
    run = prepare(config, resume=resume, overwrite=overwrite)
    return run.fit(progress=progress, callback=callback)


def prepare(config: TrainConfig, *, resume: bool = False, overwrite: bool = False) -> Run:
    """The run :func:`train` would fit, not yet trained: fresh, or continued from ``config.out``'s
    checkpoint with ``resume`` (the same refusals as :func:`train`)."""
    if not isinstance(config, TrainConfig):
        raise TypeError(f"train expects a TrainConfig, got {type(config).__name__}")
    if resume and overwrite:
        raise ValueError("resume=True and overwrite=True contradict each other: choose one")
    existing = None if config.out is None else Path(config.out) / CHECKPOINT_NAME
    if resume:
        if existing is None:
            raise ValueError("resume=True needs config.out: the folder whose checkpoint to continue")
        if not existing.exists():
            raise CheckpointError(f"nothing to resume: {existing} does not exist")
        run = Run.from_checkpoint(existing, config)
    else:
        if existing is not None and existing.exists() and not overwrite:
            raise RunExistsError(existing)
        run = Run.start(config)
    return run
