"""The exercise track (issue 15): workspace, checker with named hints, lessons on the student's code."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from minigan.cli import main
from minigan.exercises import EXERCISES, exercise, exercises_for_lesson
from minigan.exercises._framework import _SOLUTION, _count_lines
from minigan.exercises.checker import check_exercise
from minigan.exercises.workspace import write_workspace

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def solutions(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("solutions")
    write_workspace(folder, solutions=True)
    return folder


def _plant(folder: Path, number: int, old: str, new: str) -> None:
    """Replace ``old`` (which must occur) by ``new`` in exercise ``number``'s file."""
    path = folder / exercise(number).filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


# ------------------------------------------------------------------------------------ the files
def test_fourteen_exercises_in_teaching_order_each_5_to_30_lines():
    assert len(EXERCISES) >= 14
    assert [e.number for e in EXERCISES] == list(range(1, len(EXERCISES) + 1))
    assert [e.lesson for e in EXERCISES] == sorted(e.lesson for e in EXERCISES)
    for e in EXERCISES:
        lines = sum(_count_lines(match.group("body")) for match in _SOLUTION.finditer(e._text()))
        assert 5 <= lines <= 30, (e.name, lines)


def test_stub_has_task_formula_lesson_hints_and_no_solution():
    for e in EXERCISES:
        stub, solution = e.stub(), e.solution()
        assert f"(lesson {e.lesson}" in stub and "minigan check" in stub
        assert "raise NotImplementedError" in stub and "raise NotImplementedError" not in solution
        assert "# region Hints" in stub and stub.rstrip().endswith("# endregion")
        assert "BEGIN SOLUTION" not in stub + solution
        compile(stub, e.filename, "exec")
        compile(solution, e.filename, "exec")
    # the reference body is not in the student's file
    assert "np.cumsum(p - q)" in exercise(4).solution() and "np.cumsum" not in exercise(4).stub().split("# region")[0]


def test_existing_files_are_never_overwritten_and_force_resets_one(tmp_path, capsys):
    assert main(["exercises", str(tmp_path)]) == 0
    assert (tmp_path / "README.md").exists() and len(list(tmp_path.glob("[0-9][0-9]_*.py"))) == len(EXERCISES)
    mine = tmp_path / exercise(1).filename
    mine.write_text("# my work\n")
    (tmp_path / exercise(2).filename).write_text("# more work\n")
    capsys.readouterr()
    assert main(["exercises", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "0 file(s) written" in out and "never overwritten" in out
    assert mine.read_text() == "# my work\n"
    assert main(["exercises", str(tmp_path), "--force", "1"]) == 0
    assert "raise NotImplementedError" in mine.read_text()
    assert (tmp_path / exercise(2).filename).read_text() == "# more work\n"


def test_exercises_for_lesson_lists_each_lessons_exercises():
    assert exercises_for_lesson(10) == [("08_power_iteration", exercise(8).title),
                                        ("09_spectral_norm_layer", exercise(9).title)]
    assert exercises_for_lesson(4) == []
    assert sum(len(exercises_for_lesson(n)) for n in range(1, 14)) == len(EXERCISES)


# ---------------------------------------------------------------------------------- the checker
def test_fresh_workspace_fails_every_exercise_with_exit_1(tmp_path, capsys):
    main(["exercises", str(tmp_path)])
    capsys.readouterr()
    assert main(["check", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.count("not written yet") == len(EXERCISES)
    assert out.rstrip().endswith(f"0 / {len(EXERCISES)} exercises done")
    assert "Traceback" not in out


def test_solutions_pass_every_exercise(solutions, capsys):
    assert main(["check", "--all", "--dir", str(solutions)]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and "your code printed" not in out
    assert out.rstrip().endswith(f"{len(EXERCISES)} / {len(EXERCISES)} exercises done")


def test_check_selected_exercises_only(solutions, capsys):
    assert main(["check", "3", "w1_samples", "--dir", str(solutions)]) == 0
    out = capsys.readouterr().out
    assert " 3. " in out and " 5. " in out and " 4. " not in out
    assert "2 / 14 exercises done" in out
    assert main(["check", "99", "--dir", str(solutions)]) == 2


TOPOLOGICAL_PREORDER = '''    order, seen = [], set()

    def visit(node):
        if id(node) in seen:
            return
        seen.add(id(node))
        order.append(node)
        for parent in parents(node):
            visit(parent)

    for root in roots:
        visit(root)
    return order[::-1]
'''

EIGEN_ITERATION = '''    xp = mg.backend.namespace_of(W)
    x = u / xp.linalg.norm(u) if u is not None else xp.ones(W.shape[1], dtype=W.dtype) / W.shape[1] ** 0.5
    previous = 0.0
    for iteration in range(1, max_iter + 1):
        y = W @ x
        sigma = float(xp.linalg.norm(y))
        x = y / sigma
        if abs(sigma - previous) <= tol * sigma:
            break
        previous = sigma
    return sigma, x, x, iteration
'''

MISTAKES = [
    ("kl arguments swapped", 1, "    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n    mass",
     "    q, p = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n    mass", "arguments swapped"),
    ("kl in log10", 1, "np.log(p[mass] / q[mass])", "np.log10(p[mass] / q[mass])", "log₁₀ instead of ln"),
    ("kl infinite wherever q is 0", 1, "if np.any(q[mass] == 0):", "if np.any(q == 0):", "pᵢ = qᵢ = 0 adds 0"),
    ("js in bits", 1, "return 0.5 * kl(p, m) + 0.5 * kl(q, m)",
     "return (0.5 * kl(p, m) + 0.5 * kl(q, m)) / math.log(2)", "JS in bits"),
    ("gan value in log10", 2, "np.sum(xlogy(p_r, D)) + np.sum(xlogy(p_g, 1.0 - D))",
     "(np.sum(xlogy(p_r, D)) + np.sum(xlogy(p_g, 1.0 - D))) / np.log(10)", "log₁₀ instead of ln"),
    ("alternating step with the old x", 3, "return x_new, y + lr * x_new", "return x_new, y + lr * x",
     "already moved"),
    ("w1 of histograms without cumsum", 4, "np.cumsum(p - q)", "(p - q)", "without the cumulative sum"),
    ("w1 of unsorted samples", 5, "np.abs(np.sort(x) - np.sort(y))", "np.abs(x - y)", "unsorted samples"),
    ("clipping bound c·m·l", 6, "return c * math.sqrt(m * l)", "return c * m * l", "c·m·l"),
    ("critic descends", 7, "(-gap).backward()", "gap.backward()", "ascend"),
    ("eigenvalue power iteration", 8, None, EIGEN_ITERATION, "eigenvalue power iteration"),
    ("power iteration returns sigma squared", 8, "sigma = float(xp.linalg.norm(Wv))",
     "sigma = float(xp.linalg.norm(Wv)) ** 2", "σ² returned"),
    ("sigma detached in the layer", 9, "self.sigma = mg.tensor(self.u) @ (W @ mg.tensor(self.v))",
     "self.sigma = mg.tensor(self.u @ W.data @ self.v)", "Tensor expression"),
    ("mul VJP keeps the broadcast shape", 10, "return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)",
     "return g * b, g * a", "forgot to undo broadcasting"),
    ("tanh VJP on arrays", 10, "return g * (1.0 - out * out)", "return mg.tensor(g.data * (1.0 - out.data ** 2))",
     "not differentiable again"),
    ("matmul VJP transposes swapped", 11, "return g @ b.T, a.T @ g", "return b.T @ g, g @ a.T",
     "check the order and the transposes"),
    ("topological preorder", 12, None, TOPOLOGICAL_PREORDER, "before all of its consumers"),
    ("penalty without the square", 13, "return ((norms - 1.0) ** 2).mean()", "return (norms - 1.0).mean()",
     "without the square"),
    ("penalty with create_graph=False", 13, "create_graph=True)", "create_graph=False)", "zero gradient for θ"),
    ("adam without bias correction", 14, "    m_hat = m / (1.0 - beta1**t)\n    v_hat = v / (1.0 - beta2**t)\n",
     "    m_hat = m\n    v_hat = v\n", "without bias correction"),
]


@pytest.mark.parametrize("label, number, old, new, hint", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_typical_mistake_fails_with_its_named_hint(tmp_path, label, number, old, new, hint):
    write_workspace(tmp_path, solutions=True)
    if old is None:  # replace the whole student part
        path = tmp_path / exercise(number).filename
        text = exercise(number).code
        match = _SOLUTION.search(textwrap.dedent(text).lstrip("\n"))
        old = match.group("body")
        assert old in path.read_text(encoding="utf-8")
    _plant(tmp_path, number, old, new)
    outcome = check_exercise(exercise(number), tmp_path)
    assert not outcome.passed, outcome.lines
    hints = [line for line in outcome.lines if line.strip().startswith("hint:")]
    assert any(hint in line for line in hints), outcome.lines


def test_student_exception_shows_only_the_students_traceback(solutions, tmp_path):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, 4, "carried = np.cumsum(p - q)", "carried = np.cumsum(p - q) / undefined_name")
    outcome = check_exercise(exercise(4), tmp_path)
    text = "\n".join(outcome.lines)
    assert outcome.status == "error"
    assert "04_w1_histogram.py, line" in text and "NameError" in text
    assert "minigan/exercises" not in text and "Traceback" not in text


def test_bad_input_gives_one_clear_line_and_the_others_still_run(tmp_path, capsys):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, 1, "def js(p, q):", "def js(p, q)")  # a syntax error
    _plant(tmp_path, 2, "def gan_value(p_r, p_g, D):", "def gan_value(p_r, D):")  # wrong signature
    _plant(tmp_path, 3, "return np.array(points, dtype=float)", "return np.array(points, dtype=float).T")  # shape
    _plant(tmp_path, 4, "return float(np.sum(np.abs(carried)))", "return float('nan')")  # NaN
    _plant(tmp_path, 5, "    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)\n",
           "    while True:\n        pass\n")  # an infinite loop
    capsys.readouterr()
    assert main(["check", "--dir", str(tmp_path), "--timeout", "3"]) == 1
    out = capsys.readouterr().out
    by_number: dict[int, list[str]] = {}
    for line in out.splitlines():
        if line[:2].strip().isdigit() and line[2:3] == ".":  # "12. The backward pass's …"
            by_number[int(line[:2])] = current = []
        elif line.startswith("  ") and by_number:
            current.append(line)
    expected = {1: "syntax error in 01_kl_js.py, line", 2: "wrong signature", 3: "returned shape (2, 101)",
                4: "returned NaN", 5: "stopped after 3 s"}
    for number, phrase in expected.items():
        lines = by_number[number]
        assert sum("✗" in line for line in lines) == 1 and (len(lines) == 1 or number == 3), lines
        assert phrase in "\n".join(lines), (number, lines)
    for number in range(6, len(EXERCISES) + 1):
        assert all("✓" in line for line in by_number[number]), by_number[number]
    assert f"{len(EXERCISES) - 5} / {len(EXERCISES)} exercises done" in out


# -------------------------------------------------------------------------- lessons on student code
def _lesson(number: int, workspace: Path, out: Path) -> subprocess.CompletedProcess:
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    return subprocess.run([sys.executable, "-m", "minigan", "lesson", str(number), "--with-exercises",
                           str(workspace), "--out", str(out)], capture_output=True, text=True, env=environment,
                          cwd=ROOT, timeout=600)


def test_lesson_10_passes_with_the_solutions(solutions, tmp_path):
    run = _lesson(10, solutions, tmp_path / "figures")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "using yours: " in run.stdout and "8 power_iteration" in run.stdout
    assert "your exercises ran in this lesson: power_iteration ×" in run.stdout


def test_lesson_10_fails_with_the_eigenvalue_power_iteration(tmp_path):
    write_workspace(tmp_path / "ws", solutions=True)
    body = _SOLUTION.search(textwrap.dedent(exercise(8).code).lstrip("\n")).group("body")
    _plant(tmp_path / "ws", 8, body, EIGEN_ITERATION)
    run = _lesson(10, tmp_path / "ws", tmp_path / "figures")
    assert run.returncode != 0
    assert "8 power_iteration" in run.stdout and "08_power_iteration.py" in run.stderr
    assert "exercises: the error above came from your exercise 8 (08_power_iteration.py, line" in run.stderr


def test_a_failed_lesson_check_names_the_exercises_that_ran(solutions, tmp_path):
    script = textwrap.dedent("""
        import os, sys
        os.environ["MINIGAN_EXERCISES"] = sys.argv[1]
        import minigan as mg
        from minigan.lesson import Lesson
        lesson = Lesson("10_probe", "a lesson whose claim fails", argv=["--out", sys.argv[2]])
        mg.nn.power_iteration(mg.backend.asarray([[1.0, 10.0], [0.0, 2.0]]))
        lesson.check("a claim that does not hold", False)
        lesson.finish()
    """)
    environment = dict(os.environ, OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")
    run = subprocess.run([sys.executable, "-c", script, str(solutions), str(tmp_path / "out")], capture_output=True,
                         text=True, env=environment, cwd=ROOT, timeout=120)
    assert run.returncode == 1, run.stderr
    assert ("exercises: this lesson failed while running your exercises 8 (08_power_iteration.py): revisit them — "
            "minigan check 8") in run.stdout


def test_lesson_05_runs_exercise_4(solutions, tmp_path):
    run = _lesson(5, solutions, tmp_path / "figures")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "w1_histogram ×" in run.stdout and "w1_samples ×" in run.stdout


def test_unwritten_exercises_fall_back_to_minigan(tmp_path):
    write_workspace(tmp_path / "ws")
    run = _lesson(3, tmp_path / "ws", tmp_path / "figures")
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "using yours: none" in run.stdout and "3 xy_game (not written yet)" in run.stdout


# ------------------------------------------------------- the worked solutions vs independent references
def _solution_module(number: int, folder: Path):
    from minigan.exercises.checker import load_student

    write_workspace(folder, solutions=True)
    return load_student(folder / exercise(number).filename, f"solution_{exercise(number).name}")


@pytest.fixture(scope="module")
def distance_solutions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("distance_solutions")
    return {n: _solution_module(n, folder) for n in (1, 4, 5)}


histograms = st.integers(2, 12).flatmap(lambda k: st.tuples(
    st.lists(st.floats(0.0, 1.0), min_size=k, max_size=k), st.lists(st.floats(0.01, 1.0), min_size=k, max_size=k)))


@settings(max_examples=40, deadline=None)
@given(histograms)
def test_solution_kl_js_w1_histogram_match_scipy(distance_solutions, pair):
    import numpy as np
    from scipy.spatial.distance import jensenshannon
    from scipy.stats import entropy, wasserstein_distance

    p, q = (np.array(values) for values in pair)
    assume(p.sum() > 0.1)
    p, q = p / p.sum(), q / q.sum()
    assert distance_solutions[1].kl(p, q) == pytest.approx(entropy(p, q), rel=1e-9, abs=1e-12)
    assert distance_solutions[1].js(p, q) == pytest.approx(jensenshannon(p, q) ** 2, rel=1e-7, abs=1e-12)
    positions = np.arange(len(p), dtype=float)
    assert distance_solutions[4].w1_histogram(p, q) == pytest.approx(
        wasserstein_distance(positions, positions, p, q), rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-100, 100), min_size=n, max_size=n), st.lists(st.floats(-100, 100), min_size=n, max_size=n))))
def test_solution_w1_samples_matches_scipy(distance_solutions, samples):
    from scipy.stats import wasserstein_distance

    x, y = samples
    assert distance_solutions[5].w1_samples(x, y) == pytest.approx(wasserstein_distance(x, y), rel=1e-9, abs=1e-9)


# ------------------------------------------------------- ValueError tests, return types, task texts
EX13_CHECK = ("        raise ValueError(f\"real and fake batches must have the same shape, got {real.shape} and "
              "{fake.shape}\")\n")
VALUE_ERRORS = [
    # (exercise, the student's explicit check, what it becomes, the phrase of the ✗ line)
    (4, "        raise ValueError(f\"the piles must have the same total, got {p.sum()} and {q.sum()}\")\n",
     "        raise ValueError('bad piles')\n", "does not name the bad values"),
    (5, "        raise ValueError(f\"x and y must have the same size, got {x.shape} and {y.shape}\")\n",
     "        pass\n", "came from"),  # NumPy's broadcast error is a ValueError too: not the student's check
    (5, "        raise ValueError(f\"x and y must be 1-D samples, got shapes {x.shape} and {y.shape}\")\n",
     "        raise ValueError('not 1-D')\n", "does not name the bad values"),
    (13, EX13_CHECK,
     "        pass\n", "came from"),  # the engine's ShapeError: not the student's check
    (13, EX13_CHECK,
     "        raise ValueError('the shapes differ')\n", "does not name the bad values"),
]


@pytest.mark.parametrize("number, old, new, phrase", VALUE_ERRORS, ids=[f"ex{v[0]}-{v[3]}" for v in VALUE_ERRORS])
def test_value_error_tests_check_where_it_comes_from_and_its_message(tmp_path, number, old, new, phrase):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, number, old, new)
    outcome = check_exercise(exercise(number), tmp_path)
    assert outcome.status == "failed", outcome.lines
    failed = [line for line in outcome.lines if "✗" in line]
    assert len(failed) == 1 and "raise ValueError" in failed[0] and phrase in failed[0], outcome.lines


@pytest.mark.parametrize("new, shown", [("str(float(np.sum(np.abs(carried))))", "returned str '"),
                                        ("[float(np.sum(np.abs(carried)))]", "returned list [")])
def test_a_float_returned_as_a_string_or_a_list_is_refused(tmp_path, new, shown):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, 4, "float(np.sum(np.abs(carried)))", new)
    outcome = check_exercise(exercise(4), tmp_path)
    assert outcome.status == "error", outcome.lines
    assert shown in outcome.lines[-1] and "the task asks for a float" in outcome.lines[-1]


@pytest.mark.numpy_only  # the message names the array type the VJP returned: numpy.ndarray here
def test_a_vjp_returning_an_ndarray_is_named(tmp_path):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, 10, "return g * (1.0 - out * out)", "return (g * (1.0 - out * out)).data")
    outcome = check_exercise(exercise(10), tmp_path)
    assert outcome.status == "error", outcome.lines
    assert "returned numpy.ndarray" in outcome.lines[-1] and "asks for a Tensor" in outcome.lines[-1]
    # one that hands back a Tensor when called directly but an array inside the engine: named by the primitive
    write_workspace(tmp_path / "b", solutions=True)
    _plant(tmp_path / "b", 10, "    return unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)\n",
           "    grads = unbroadcast(g * b, a.shape), unbroadcast(g * a, b.shape)\n"
           "    return grads if g.shape == (4, 3) else tuple(t.data for t in grads)\n")
    outcome = check_exercise(exercise(10), tmp_path / "b")
    assert "your mul_vjp (exercise 10) returned a numpy.ndarray; return a Tensor" in outcome.lines[-1], outcome.lines


def test_a_failed_comparison_shows_the_largest_difference_with_every_digit(tmp_path):
    write_workspace(tmp_path, solutions=True)
    _plant(tmp_path, 14, "(v_hat**0.5 + eps)", "(v_hat**0.5)")  # Adam without ε: equal to 5 digits
    outcome = check_exercise(exercise(14), tmp_path)
    line = next(line for line in outcome.lines if "✗" in line)
    match = re.search(r"largest difference ([0-9.e+-]+) at index \d: expected (\S+), got (\S+)\)", line)
    assert match, line
    difference, expected, got = (float(text) for text in match.groups())
    assert difference == pytest.approx(abs(expected - got), rel=1e-6) and 0 < difference < 1e-6


def test_task_text_numbers_hold():
    """The numbers the task texts state (ex08, ex14) are checked here."""
    import numpy as np

    from minigan.exercises.ex14_adam import _reference

    for betas, factor in (((0.9, 0.999), 3.16), ((0.5, 0.9), 1.58)):  # ex14: the uncorrected first step
        g = np.array([0.3, -2.0, 1e-3])
        step = -_reference(np.zeros(3), g, np.zeros(3), np.zeros(3), 1, lr=1.0, betas=betas, eps=0.0,
                           correct=False)[0]
        assert step == pytest.approx(np.sign(g) * factor, rel=2e-3)
        corrected = -_reference(np.zeros(3), g, np.zeros(3), np.zeros(3), 1, lr=1.0, betas=betas, eps=0.0)[0]
        assert corrected == pytest.approx(np.sign(g), rel=1e-12)
    W = np.array([[1.0, 10.0], [0.0, 2.0]])  # ex08: ρ(W) = 2 < σ₁ ≈ 10.2
    assert max(abs(np.linalg.eigvals(W))) == pytest.approx(2.0)
    assert np.linalg.norm(W, 2) == pytest.approx(10.2, abs=0.05)
    for normal in (np.diag([3.0, -1.0]), np.array([[0.0, -2.0], [2.0, 0.0]])):  # normal: ρ = σ₁
        assert max(abs(np.linalg.eigvals(normal))) == pytest.approx(np.linalg.norm(normal, 2))
    text = exercise(8).stub() + exercise(14).stub() + exercise(13).stub()
    for false in ("only for symmetric positive semi-definite", "far too small", "asks for\nthat softly"):
        assert false not in text
