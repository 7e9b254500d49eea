"""The exercise track on bad input (issue 23): a student's exits, broken files, huge output, bad folders and flags.

Each case gives one clear line (or a clear lesson failure), never a traceback, never a silent pass.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from minigan.cli import main
from minigan.exercises import EXERCISES, exercise
from minigan.exercises.checker import check_exercise, check_workspace
from minigan.exercises.workspace import write_workspace

ROOT = Path(__file__).resolve().parents[1]
ENVIRONMENT = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg",
                   PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _plant(folder: Path, number: int, old: str, new: str) -> Path:
    path = folder / exercise(number).filename
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, fragment: str) -> int:
    return next(number for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if fragment in line)


def _python(script: str, *arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *arguments], capture_output=True,
                          text=True, env=ENVIRONMENT, cwd=ROOT, timeout=timeout)


@pytest.fixture()
def solutions(tmp_path) -> Path:
    folder = tmp_path / "ws"
    write_workspace(folder, solutions=True)
    return folder


# --------------------------------------------------------------------------------- the student's exits
@pytest.mark.parametrize("call", ["sys.exit(0)", "os._exit(0)", "exit(3)"])
def test_an_exit_at_import_is_reported_with_file_and_line(solutions, call):
    path = _plant(solutions, 3, "import numpy as np\n", f"import numpy as np\nimport os, sys\n{call}\n")
    outcome = check_exercise(exercise(3), solutions)
    function = "os._exit" if "os." in call else "sys.exit"
    code = call[call.index("(") + 1:-1]
    assert outcome.status == "error"
    assert f"your code called {function}({code}) at 03_xy_game.py:{_line_of(path, call)}" in outcome.lines[-1]


def test_an_exit_in_a_function_is_reported_with_file_and_line_by_check(solutions, capsys):
    path = _plant(solutions, 3, "    return x - lr * y, y + lr * x\n", "    import sys\n    sys.exit(0)\n")
    assert main(["check", "3", "--dir", str(solutions)]) == 1
    out = capsys.readouterr().out
    assert f"✗ your code called sys.exit(0) at 03_xy_game.py:{_line_of(path, 'sys.exit(0)')}" in out
    assert "SystemExit" not in out and "0 / 14 exercises done" in out


def test_a_lesson_does_not_end_silently_on_a_students_exit(solutions):
    """An exit at import: that file falls back to minigan's, named; an exit in a function: an error naming it."""
    _plant(solutions, 5, "import numpy as np\n", "import numpy as np\nimport os\nos._exit(0)\n")
    _plant(solutions, 3, "    return x - lr * y, y + lr * x\n", "    import sys\n    sys.exit(0)\n")
    run = _python("""
        import sys
        import minigan as mg
        from minigan.exercises.install import install
        install(sys.argv[1])
        print("still running")
        mg.games.simultaneous_gradient_steps(1.0, 0.0)
    """, str(solutions))
    assert "✗ 05_w1_samples.py does not load, so this lesson uses minigan's: 05_w1_samples.py stops when imported: " \
           "your code called os._exit(0) at 05_w1_samples.py:" in run.stdout
    assert "still running" in run.stdout and run.returncode == 1
    assert "StudentExitError: your code called sys.exit(0) at 03_xy_game.py:" in run.stderr
    assert "exercises: the error above is in your exercise 3 (03_xy_game.py)" in run.stderr


# ------------------------------------------------------------------------------------ broken files
def test_syntax_error_and_non_utf8_are_named_in_check_and_in_lessons(solutions):
    _plant(solutions, 2, "def gan_value(p_r, p_g, D):", "def gan_value(p_r, p_g, D)")
    (solutions / exercise(1).filename).write_bytes(exercise(1).solution().encode() + b"\n# caf\xe9\n")
    outcome = check_exercise(exercise(1), solutions)
    lines = exercise(1).solution().count("\n") + 2
    assert outcome.lines[-1] == (f"  ✗ 01_kl_js.py is not UTF-8 text: byte 0xe9 at line {lines}, column 6 cannot be "
                                 "read (save the file as UTF-8)")
    run = _python("import sys; from minigan.exercises.install import install; install(sys.argv[1])", str(solutions))
    assert run.returncode == 0, run.stderr
    assert "not written yet" not in run.stdout
    assert "✗ 02_gan_game.py does not load, so this lesson uses minigan's: syntax error in 02_gan_game.py, line" \
           in run.stdout
    assert "✗ 01_kl_js.py does not load, so this lesson uses minigan's: 01_kl_js.py is not UTF-8 text" in run.stdout


# ------------------------------------------------------------------------------ errors, printing
def test_a_recursion_error_is_folded_and_a_huge_message_cut(solutions):
    _plant(solutions, 12, "        if id(node) in seen:\n", "        visit(node)\n        if id(node) in seen:\n")
    _plant(solutions, 4, "    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n",
           "    raise RuntimeError('x' * 10_000_000)\n")
    recursion = "\n".join(check_exercise(exercise(12), solutions).lines)
    assert "RecursionError" in recursion and "[the line above repeated" in recursion
    assert len(recursion.splitlines()) < 30
    huge = "\n".join(check_exercise(exercise(4), solutions).lines)
    assert "RuntimeError: xxx" in huge and f"{10_000_000 - 2000:,} more characters cut" in huge
    assert len(huge) < 5000


def test_check_caps_the_students_printing_and_says_how_much_was_cut(solutions, capsys):
    _plant(solutions, 4, "    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n",
           "    print('x' * 10_000_000)\n    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)\n")
    assert main(["check", "4", "--dir", str(solutions)]) == 0
    out = capsys.readouterr().out
    calls = 7  # six values and the ValueError test
    total = calls * 10_000_001
    assert f"{total - 4000:,} more characters of your printing cut ({total:,} printed in all" in out
    assert len(out) < 10_000


def test_printing_before_an_infinite_loop_is_still_shown(solutions, capsys):
    _plant(solutions, 5, "    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)\n",
           "    print('about to loop')\n    while True:\n        pass\n")
    assert main(["check", "5", "--dir", str(solutions), "--timeout", "3"]) == 1
    out = capsys.readouterr().out
    assert "    | about to loop" in out and "stopped after 3 s" in out


# ------------------------------------------------------------------------------------- bad flags
@pytest.mark.parametrize("value", ["nan", "inf", "1e400", "0", "-5", "abc", "1e6"])
def test_bad_timeouts_are_one_line_and_exit_2(solutions, capsys, value):
    with pytest.raises(SystemExit) as stop:
        main(["check", "--dir", str(solutions), "--timeout", value])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "argument --timeout: the time limit must be a number of seconds" in err and repr(value) in err
    assert "Traceback" not in err


def test_check_workspace_refuses_a_bad_time_limit(solutions):
    for value in (float("nan"), float("inf"), 0.0, -5.0):
        with pytest.raises(ValueError, match=r"the time limit must be a number of seconds in \(0, 86400\], got"):
            check_workspace(solutions, timeout=value)


def test_with_exercises_on_a_missing_folder_exits_2(tmp_path, capsys):
    assert main(["lesson", "3", "--with-exercises", str(tmp_path / "nope")]) == 2
    err = capsys.readouterr().err
    assert "--with-exercises" in err and "nope" in err and "no such folder" in err
    run = subprocess.run([sys.executable, str(ROOT / "lessons" / "03_why_equilibrium_is_hard.py"), "--out",
                          str(tmp_path / "figures")], capture_output=True, text=True, timeout=120,
                         env=dict(ENVIRONMENT, MINIGAN_EXERCISES=str(tmp_path / "nope")))
    assert run.returncode == 2 and "no exercise workspace at" in run.stderr and "Traceback" not in run.stderr


# ------------------------------------------------------------------------- minigan exercises DIR
def test_exercises_into_bad_folders_is_one_line_and_exit_2(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    cases = [("", "the workspace folder name is empty"),
             (str(a_file), f"{a_file} is a file, not a folder"),
             (str(a_file / "ws"), f"cannot create {a_file / 'ws'}: {a_file} is a file, not a folder"),
             (str(a_file / "ws" / "deeper"), f"{a_file} is a file, not a folder")]
    for directory, message in cases:
        assert main(["exercises", directory]) == 2, directory
        captured = capsys.readouterr()
        assert captured.out == "" and captured.err.startswith("minigan exercises: ") and message in captured.err
        assert "Traceback" not in captured.err
    assert a_file.read_text() == "mine\n"


def test_exercises_into_an_unwritable_folder_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    import tempfile

    def refuse(*args, **kwargs):  # what a read-only folder does (tests may run as root, which chmod cannot stop)
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    assert main(["exercises", str(tmp_path / "ws")]) == 2
    err = capsys.readouterr().err
    assert f"minigan exercises: cannot write {tmp_path / 'ws' / 'README.md'}: Permission denied" in err


def test_a_full_disk_leaves_no_partial_file_and_a_rerun_writes_them(tmp_path, capsys, monkeypatch):
    import minigan.exercises.workspace as workspace

    def full(descriptor):
        raise OSError(errno.ENOSPC, "No space left on device")

    folder = tmp_path / "ws"
    monkeypatch.setattr(workspace.os, "fsync", full)
    assert main(["exercises", str(folder)]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert list(folder.iterdir()) == []  # no 0-byte exercise, no temporary file
    monkeypatch.undo()
    (folder / exercise(2).filename).write_text("")  # an empty file left by an older, non-atomic version
    assert main(["exercises", str(folder)]) == 0
    assert f"{len(EXERCISES) + 1} file(s) written" in capsys.readouterr().out
    assert "raise NotImplementedError" in (folder / exercise(2).filename).read_text()


def test_force_an_unknown_exercise_creates_nothing(tmp_path, capsys):
    assert main(["exercises", str(tmp_path / "ws"), "--force", "99"]) == 2
    assert "no exercise '99'" in capsys.readouterr().err
    assert not (tmp_path / "ws").exists()


@pytest.mark.parametrize("command", [["exercises", "{ws}"], ["check", "3", "--dir", "{ws}"]])
def test_a_closed_pipe_ends_quietly(solutions, command):
    arguments = [part.format(ws=solutions) for part in command]
    process = subprocess.Popen([sys.executable, "-m", "minigan", *arguments], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=ENVIRONMENT, cwd=ROOT)
    process.stdout.close()  # the reader is gone before the first line (as `| head -0` would be)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0, err  # check still gives its verdict: exercise 3 passes
    assert b"Traceback" not in err and b"BrokenPipe" not in err


def test_ctrl_c_in_check_exits_130_without_a_traceback(solutions):
    _plant(solutions, 5, "    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)\n",
           "    while True:\n        pass\n")
    process = subprocess.Popen([sys.executable, "-m", "minigan", "check", "5", "--dir", str(solutions), "--timeout",
                                "100"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENVIRONMENT,
                               cwd=ROOT)
    assert " 5. " in process.stdout.readline()  # the check of exercise 5 has started
    time.sleep(1.0)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "minigan check: interrupted (Ctrl-C)" in err and "Traceback" not in err


def test_ctrl_c_in_check_in_process(solutions, capsys, monkeypatch):
    import minigan.exercises.checker as checker

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(checker, "check_workspace", interrupted)
    assert main(["check", "--dir", str(solutions)]) == 130
    assert "interrupted (Ctrl-C)" in capsys.readouterr().err


@pytest.mark.numpy_only  # the message names the array type the VJP returned: numpy.ndarray here
def test_a_vjp_returning_an_ndarray_in_a_lesson_names_the_exercise(solutions):
    _plant(solutions, 10, "return g * (1.0 - out * out)", "return (g * (1.0 - out * out)).data")
    run = _python("""
        import sys
        import minigan as mg
        from minigan.exercises.install import install
        install(sys.argv[1])
        x = mg.tensor([0.5, -1.0], requires_grad=True)
        mg.tanh(x).sum().backward()
    """, str(solutions))
    assert run.returncode == 1
    assert "VJPTypeError: your tanh_vjp (exercise 10) returned a numpy.ndarray; return a Tensor" in run.stderr
    assert "AttributeError" not in run.stderr
    assert "exercises: the error above is in your exercise 10 (10_vjp_tanh_mul.py)" in run.stderr


def test_check_on_a_missing_folder_or_a_file_is_one_line_and_exit_2(tmp_path, capsys):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    for directory, message in ((tmp_path / "nope", "it does not exist (write one with: minigan exercises"),
                               (a_file, "it is a file, not a folder"), ("", "--dir '' is empty")):
        assert main(["check", "--dir", str(directory)]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and message in captured.err and captured.err.count("\n") == 1
