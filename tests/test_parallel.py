"""The multi-threaded element-wise path (minigan/backend/parallel.py, kernels.py) gives the
plain NumPy numbers, and the thread count follows the user's settings."""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan.backend import kernels, parallel


def _threadpoolctl():
    # in the dev extra; without it get_num_threads falls back to the environment (tested below)
    return pytest.importorskip("threadpoolctl")


@pytest.fixture
def small_threshold(monkeypatch):
    """Take the parallel path for every size (the real threshold is for speed, not results)."""
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 1)


@contextlib.contextmanager
def every_size_parallel():
    """The fixture's effect inside a hypothesis test (fixtures are not reset per example)."""
    before, parallel.MIN_PARALLEL_SIZE = parallel.MIN_PARALLEL_SIZE, 1
    try:
        yield
    finally:
        parallel.MIN_PARALLEL_SIZE = before


@pytest.fixture
def restore_threads():
    """Put the thread setting back as it was (set_num_threads would make it explicit)."""
    explicit, current = parallel._explicit, parallel._Blas.current
    yield
    parallel._explicit = explicit
    parallel.use_blas_threads(current if current is not None else 1)


def _array(rng, shape, dtype, order):
    values = rng.standard_normal(shape).astype(dtype)
    return np.asfortranarray(values) if order == "F" else np.ascontiguousarray(values)


# ------------------------------------------------------------------ the thread count
@pytest.mark.numpy_only
def test_set_num_threads_sets_blas_and_elementwise(restore_threads):
    threadpoolctl = _threadpoolctl()
    mg.backend.set_num_threads(1)
    assert mg.backend.get_num_threads() == 1
    blas = threadpoolctl.threadpool_info()
    assert all(entry["num_threads"] == 1 for entry in blas if entry["user_api"] == "blas")
    mg.backend.set_num_threads(3)
    assert mg.backend.get_num_threads() == 3


@pytest.mark.numpy_only
def test_set_num_threads_has_a_sane_maximum(restore_threads):
    with pytest.raises(ValueError, match=rf"at most {parallel.MAX_THREADS} threads"):
        mg.backend.set_num_threads(parallel.MAX_THREADS + 1)
    mg.backend.set_num_threads(parallel.MAX_THREADS)
    assert mg.backend.get_num_threads() == parallel.MAX_THREADS


@pytest.mark.numpy_only
def test_minigan_num_threads_is_the_setting_and_wins_over_omp(monkeypatch):
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    monkeypatch.setenv("MINIGAN_NUM_THREADS", "2")
    assert mg.backend.get_num_threads() == 2
    monkeypatch.delenv("MINIGAN_NUM_THREADS")
    assert mg.backend.get_num_threads() == 3


@pytest.mark.numpy_only
def test_the_policy_uses_one_thread_below_the_crossovers_and_on_busy_cores(monkeypatch, restore_threads):
    mg.backend.set_num_threads(2)
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 1000)
    assert parallel.blas_threads_for(256 * 64 * 64) == 1  # the quick preset's products
    assert parallel.elementwise_threads_for(999) == 1
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)
    assert parallel.blas_threads_for(256 * 512 * 512) == 2
    assert parallel.elementwise_threads_for(1000) == 2
    monkeypatch.setattr(parallel, "free_cores", lambda: 1)  # another program holds the other core
    assert parallel.blas_threads_for(256 * 512 * 512) == 1
    assert parallel.elementwise_threads_for(10**6) == 1
    mg.backend.set_num_threads(1)
    monkeypatch.setattr(parallel, "free_cores", lambda: 8)
    assert parallel.blas_threads_for(10**9) == 1


@pytest.mark.numpy_only
def test_free_cores_counts_the_other_runnable_tasks(monkeypatch, tmp_path):
    loadavg = tmp_path / "loadavg"
    real_open = open

    def fake_open(path, *args, **kwargs):
        return real_open(loadavg if path == "/proc/loadavg" else path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", fake_open)
    monkeypatch.setattr(parallel, "available_cpus", lambda: 4)
    monkeypatch.setattr(parallel._Blas, "current", 1)
    for running, free in ((1, 4), (3, 2), (9, 1)):
        loadavg.write_text(f"0.50 0.40 0.30 {running}/200 12345\n")
        monkeypatch.setattr(parallel._Load, "checked", -1.0)
        assert parallel.free_cores() == free


@pytest.mark.numpy_only
def test_kernels_matmul_sets_blas_by_size(monkeypatch, restore_threads):
    _threadpoolctl()
    mg.backend.set_num_threads(2)
    monkeypatch.setattr(parallel, "free_cores", lambda: 2)
    rng = np.random.default_rng(0)
    small = rng.standard_normal((64, 64)).astype("float32")
    large = rng.standard_normal((256, 256)).astype("float32")
    assert np.array_equal(kernels.matmul(np, small, small), small @ small)
    assert parallel._Blas.current == 1
    kernels.matmul(np, large, large)
    assert parallel._Blas.current == 2
    assert mg.backend.get_num_threads() == 2


@pytest.mark.numpy_only
def test_without_threadpoolctl_the_environment_then_set_num_threads_decide(monkeypatch):
    monkeypatch.setattr(parallel._Blas, "searched", True)
    monkeypatch.setattr(parallel._Blas, "controllers", None)
    monkeypatch.setattr(parallel, "_explicit", None)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert mg.backend.get_num_threads() == 3
    monkeypatch.delenv("OMP_NUM_THREADS")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "5")
    assert mg.backend.get_num_threads() == 5
    mg.backend.set_num_threads(4)
    assert mg.backend.get_num_threads() == 4


@pytest.mark.numpy_only
@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True, None])
def test_set_num_threads_refuses_non_positive_integers(bad):
    with pytest.raises(ValueError, match="positive integer"):
        mg.backend.set_num_threads(bad)


@pytest.mark.numpy_only
def test_the_size_threshold_comes_from_the_environment(monkeypatch, capsys):
    monkeypatch.delenv("MINIGAN_PARALLEL_MIN_SIZE", raising=False)
    assert parallel._threshold_from_environment() > 2**40  # off unless asked for
    monkeypatch.setenv("MINIGAN_PARALLEL_MIN_SIZE", "262144")
    assert parallel._threshold_from_environment() == 262144
    monkeypatch.setenv("MINIGAN_PARALLEL_MIN_SIZE", "1e6")
    assert parallel._threshold_from_environment() == 1_000_000
    for junk in ("lots", "-1", "0", "2.5"):
        monkeypatch.setenv("MINIGAN_PARALLEL_MIN_SIZE", junk)
        assert parallel._threshold_from_environment() > 2**40  # ignored, with one line saying so
        assert capsys.readouterr().err == (f"minigan: ignoring MINIGAN_PARALLEL_MIN_SIZE={junk!r}: expected a "
                                           "whole number of elements ≥ 1\n")


@pytest.mark.numpy_only
@pytest.mark.parametrize("variable", ["MINIGAN_PARALLEL_MIN_SIZE", "MINIGAN_NUM_THREADS"])
@pytest.mark.parametrize("junk", ["abc", "-1", "1e6x", "0"])
def test_junk_in_the_environment_is_one_line_not_a_traceback(variable, junk):
    import os
    import subprocess
    import sys

    environment = {**os.environ, variable: junk}
    done = subprocess.run([sys.executable, "-c", "import minigan as mg; print(mg.backend.get_num_threads())"],
                          capture_output=True, text=True, env=environment, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"minigan: ignoring {variable}={junk!r}")
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------ same numbers
ORDERS = st.sampled_from(["C", "F"])


@pytest.mark.numpy_only
@given(rows=st.integers(1, 40), columns=st.integers(1, 40), dtype=st.sampled_from(["float32", "float64"]),
       first=ORDERS, second=ORDERS, threads=st.integers(1, 4),
       ufunc=st.sampled_from([np.add, np.subtract, np.multiply]), seed=st.integers(0, 2**16))
def test_binary_ufuncs_match_numpy_exactly(rows, columns, dtype, first, second, threads, ufunc, seed):
    rng = np.random.default_rng(seed)
    a, b = _array(rng, (rows, columns), dtype, first), _array(rng, (rows, columns), dtype, second)
    with every_size_parallel():
        out = parallel.apply(ufunc, a, b, threads=threads)
    if out is None:  # one thread, or one row to cut: the caller runs NumPy
        assert threads == 1 or rows == 1 or columns == 1
        return
    expected = ufunc(a, b)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == expected.dtype
    assert out.flags.f_contiguous == expected.flags.f_contiguous or rows == 1 or columns == 1


@pytest.mark.numpy_only
@given(shape=st.sampled_from([(7,), (5, 6), (3, 4, 5), (2, 1, 9)]), dtype=st.sampled_from(["float32", "float64"]),
       order=ORDERS, seed=st.integers(0, 2**16))
def test_broadcasting_and_scalars_match_numpy(shape, dtype, order, seed):
    rng = np.random.default_rng(seed)
    a = _array(rng, shape, dtype, order)
    bias = rng.standard_normal(shape[-1:]).astype(dtype)
    with every_size_parallel():
        _check_broadcasting_and_scalars(a, bias)


def _check_broadcasting_and_scalars(a, bias):
    np.testing.assert_array_equal(parallel.apply(np.add, a, bias, threads=2), a + bias)
    np.testing.assert_array_equal(parallel.apply(np.add, bias, a, threads=3), bias + a)
    np.testing.assert_array_equal(parallel.apply(np.subtract, 1.0, a, threads=2), 1.0 - a)
    np.testing.assert_array_equal(parallel.apply(np.multiply, a, 2, threads=2), a * 2)
    np.testing.assert_array_equal(parallel.apply(np.negative, a, threads=2), -a)
    assert parallel.apply(np.subtract, 1.0, a, threads=2).dtype == a.dtype


@pytest.mark.numpy_only
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tanh_matches_numpy(small_threshold, dtype):
    rng = np.random.default_rng(1)
    for order in "CF":
        a = _array(rng, (300, 70), dtype, order) * 5
        out = parallel.apply(np.tanh, a, threads=3)
        # the same ufunc on the same elements; only NumPy's SIMD tail handling may differ by an ulp
        np.testing.assert_array_max_ulp(out, np.tanh(a), maxulp=1)


@pytest.mark.numpy_only
def test_cases_left_to_numpy_return_none(monkeypatch):
    rng = np.random.default_rng(2)
    big = rng.standard_normal((64, 64))
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", big.size)
    assert parallel.apply(np.add, big[:4], big[:4], threads=2) is None  # below the size threshold
    assert parallel.apply(np.add, big, big.astype("float32"), threads=2) is None  # two dtypes
    assert parallel.apply(np.add, big.astype("int64"), 1, threads=2) is None  # not floating
    assert parallel.apply(np.add, big[:, ::2], big[:, ::2], threads=2) is None  # no contiguous operand
    assert parallel.apply(np.add, big, big, threads=1) is None  # one thread
    assert parallel.apply(np.add, big, big, threads=2) is not None


@pytest.mark.numpy_only
def test_an_error_on_a_worker_thread_reaches_the_caller(small_threshold):
    calls = []

    def kernel(out, piece):
        calls.append(threading.get_ident())
        if len(calls) == 2:
            raise FloatingPointError("from a piece")
        out[0][...] = piece

    with pytest.raises(FloatingPointError, match="from a piece"):
        parallel.apply_blocks(kernel, [np.ones((8, 3))], threads=2)
    # the pool still works afterwards
    np.testing.assert_array_equal(parallel.apply(np.add, np.ones((8, 3)), 1.0, threads=2), np.full((8, 3), 2.0))


@pytest.mark.numpy_only
def test_concurrent_callers_get_their_own_results(small_threshold):
    results, errors = {}, []

    def work(k):
        try:
            a = np.full((64, 33), float(k))
            for _ in range(50):
                out = parallel.apply(np.multiply, a, 2.0, threads=2)
                np.testing.assert_array_equal(out, 2.0 * a)
            results[k] = True
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 4


# ------------------------------------------------------------------ through the engine
def _critic_step_results():
    """Loss and every weight gradient of one WGAN-GP critic loss (double backprop)."""
    mg.manual_seed(3)
    critic = mg.nn.MLP([2, 24, 24, 1], activation="tanh", dtype="float64")
    x = mg.tensor(np.random.default_rng(4).standard_normal((16, 2)), requires_grad=True)
    (gradient,) = mg.grad(critic(x).sum(), x, create_graph=True)
    loss = critic(x).mean() + 10.0 * ((mg.norm(gradient, axis=1) - 1.0) ** 2).mean()
    loss.backward()
    return [mg.backend.to_host(loss.data)] + [mg.backend.to_host(p.grad.data) for p in critic.parameters()]


def test_the_engine_gives_the_same_gradients_on_the_parallel_path(monkeypatch, restore_threads):
    """On NumPy the kernels take the threaded path for every size here; on the strict (and
    CuPy) backend they must never take it — and either way the numbers are the plain ones."""
    plain = _critic_step_results()
    monkeypatch.setattr(parallel, "MIN_PARALLEL_SIZE", 1)
    mg.backend.set_num_threads(2)
    taken = []
    original = parallel.apply_blocks
    monkeypatch.setattr(parallel, "apply_blocks", lambda *a, **k: taken.append(1) or original(*a, **k))
    threaded = _critic_step_results()
    assert bool(taken) == (mg.backend.name() == "numpy")
    for p, t in zip(plain, threaded):
        np.testing.assert_array_max_ulp(t, p, maxulp=1)


def test_kernels_leave_non_numpy_arrays_to_their_backend(small_threshold):
    xp = mg.backend.xp()
    a = mg.backend.asarray(np.arange(6.0).reshape(2, 3))
    for result, expected in [(kernels.add(xp, a, 1.0), a + 1.0), (kernels.subtract(xp, a, a), a - a),
                             (kernels.multiply(xp, a, a), a * a), (kernels.negative(xp, a), -a),
                             (kernels.tanh(xp, a), xp.tanh(a))]:
        assert type(result) is type(a)
        np.testing.assert_array_max_ulp(mg.backend.to_host(result), mg.backend.to_host(expected), maxulp=1)


@pytest.mark.numpy_only
@given(rows=st.integers(1, 300), columns=st.integers(1, 300), dtype=st.sampled_from(["float32", "float64"]),
       c_first=st.booleans(), seed=st.integers(0, 2**16))
def test_adding_matrices_of_mixed_memory_orders_gives_numpys_result(rows, columns, dtype, c_first, seed):
    rng = np.random.default_rng(seed)
    c, f = _array(rng, (rows, columns), dtype, "C"), _array(rng, (rows, columns), dtype, "F")
    a, b = (c, f) if c_first else (f, c)
    before = kernels._MIXED_ORDER_MIN_SIZE
    kernels._MIXED_ORDER_MIN_SIZE = 1  # take the strip path at every size
    try:
        out = kernels.add(np, a, b)
        strips = kernels._add_mixed_orders(a, b)
    finally:
        kernels._MIXED_ORDER_MIN_SIZE = before
    expected = a + b
    np.testing.assert_array_equal(out, expected)
    assert out.flags.c_contiguous == expected.flags.c_contiguous and out.dtype == expected.dtype
    # the strips are taken exactly for one C- and one F-only operand with enough rows
    single_order = rows == 1 or columns == 1
    assert (strips is not None) == (not single_order and rows >= kernels._MIXED_ORDER_MIN_ROWS)


# ------------------------------------------------------------------ --threads on the command line
@pytest.mark.numpy_only
def test_threads_option_sets_the_count_for_train_and_the_lessons_environment(tmp_path, restore_threads, capsys):
    from minigan import cli
    from minigan.cli.tour import lesson_environment

    status = cli.main(["train", "--out", str(tmp_path / "run"), "--threads", "1", "--steps", "1", "--hidden", "4",
                       "--metric-samples", "20", "--no-progress", "--no-figures"])
    assert status == 0 and mg.backend.get_num_threads() == 1
    environment = lesson_environment(3)
    assert environment["MINIGAN_NUM_THREADS"] == "3" and environment["OMP_NUM_THREADS"] == "3"
    with pytest.raises(SystemExit) as exit_:
        cli.main(["compare", "--out", str(tmp_path / "c"), "--threads", str(parallel.MAX_THREADS + 1)])
    assert exit_.value.code == 2 and "--threads" in capsys.readouterr().err
