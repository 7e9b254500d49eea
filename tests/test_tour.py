"""`minigan lessons`, `minigan lesson N` and `minigan tour` on tiny fake lessons (and one real one).

The tour runs lessons as subprocesses and reads their JSON summaries: nothing here depends on the
array backend (tests/test_lessons.py runs the real lessons on both), so these run on numpy only.
"""

import json
import re
import textwrap
from pathlib import Path

import pytest

from minigan.cli import main, tour

pytestmark = pytest.mark.numpy_only

PASSING = '''
# %% [markdown]
# # Lesson {number} — A passing heading that is not the title

# %%
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from minigan.lesson import Lesson

TITLE = "Fake lesson {number} <passes>"
lesson = Lesson(__file__, TITLE)
lesson.check_close("one plus one is two", 1 + 1, 2)
lesson.check_between("three lies in [1, 5]", 3, 1, 5)
lesson.check("a claim with a detail & an ampersand", True, "detail {number}")
for name in ("first_figure", "second_figure"):
    figure, axes = plt.subplots(figsize=(2, 2))
    axes.plot([0, 1], [0, {number}])
    axes.set_title(name)
    lesson.savefig(figure, name)
lesson.finish()
'''

FAILING = '''
from minigan.lesson import Lesson

lesson = Lesson(__file__, "A lesson with a false claim")
lesson.check("this holds", True)
lesson.check_less("two is less than one", 2, 1)
lesson.check_between("six lies in [1, 5]", 6, 1, 5)
lesson.finish()
'''

CRASHING = '''
# %% [markdown]
# # Lesson 4 — It crashes before finishing

from minigan.lesson import Lesson

lesson = Lesson(__file__, "Crashes")
lesson.check("this holds", True)
raise RuntimeError("boom in the middle of the lesson")
'''


def write_lessons(folder: Path, **sources: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in sources.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


@pytest.fixture
def passing_lessons(tmp_path):
    return write_lessons(tmp_path / "lessons", **{
        "01_first": PASSING.format(number=1),
        "02_second": PASSING.format(number=2),
    })


def test_find_lessons_orders_by_number_and_reads_titles(tmp_path):
    folder = write_lessons(tmp_path / "lessons", **{
        "10_ten": "# %% [markdown]\n# # Lesson 10 — Heading title\n",
        "02_two": 'from minigan.lesson import Lesson\nlesson = Lesson(__file__, "Title from the call")\n',
        "01_one": 'TITLE = "Constant title"\n',
        "03_three": "print('no title at all')\n",
        "04_four": 'from minigan.lesson import Lesson\nlesson = Lesson("04_four", "Title from a named call")\n',
        "helper": "x = 1\n",  # not NN_*.py: not a lesson
    })
    (folder / "notes.txt").write_text("not a lesson")
    lessons = tour.find_lessons(folder)
    assert [lesson.number for lesson in lessons] == [1, 2, 3, 4, 10]
    assert [lesson.title for lesson in lessons] == ["Constant title", "Title from the call", "03_three",
                                                    "Title from a named call", "Heading title"]


def test_default_lessons_dir_is_the_repository_folder():
    folder = tour.default_lessons_dir()
    assert folder.name == "lessons" and (folder.parent / "minigan" / "cli" / "tour.py").exists()
    assert all(re.match(r"\d\d_", lesson.path.name) for lesson in tour.find_lessons())


def test_lessons_command_lists_one_line_each(passing_lessons, capsys):
    assert main(["lessons", "--lessons-dir", str(passing_lessons)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert re.match(r"\s*1\s+Fake lesson 1 <passes>\s+\(01_first\.py\)", lines[0])
    assert re.match(r"\s*2\s+Fake lesson 2", lines[1])


def test_missing_lessons_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["lessons", "--lessons-dir", str(tmp_path / "nowhere")]) == 2
    assert "--lessons-dir" in capsys.readouterr().err


def test_tour_writes_a_course_map_and_a_page_per_lesson(passing_lessons, tmp_path, capsys):
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(passing_lessons), "--out", str(out)]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.startswith("<!DOCTYPE html>") and '<link rel="stylesheet" href="site.css">' in index
    assert (out / "site.css").stat().st_size > 1000
    assert "2/2 lessons passed" in index and "6/6 checks" in index and "total time" in index
    assert "Fake lesson 1 &lt;passes&gt;" in index  # titles are HTML-escaped
    for name in ("01_first", "02_second"):
        assert f'href="{name}.html"' in index
        page = (out / f"{name}.html").read_text(encoding="utf-8")
        summary = json.loads((out / name / "lesson.json").read_text(encoding="utf-8"))
        assert summary["figures"] == ["first_figure.png", "second_figure.png"]
        assert summary["figure_titles"] == {"first_figure.png": "first_figure", "second_figure.png": "second_figure"}
        for figure in summary["figures"]:
            assert (out / name / figure).is_file()
            assert f'<img src="{name}/{figure}"' in page
        assert "<figcaption>Figure 1. first_figure</figcaption>" in page
        assert (out / name / "output.txt").read_text().count("✓") == 3  # the log still holds every check
        assert "a claim with a detail &amp; an ampersand" in page  # claims are HTML-escaped
        assert page.count('<li class="pass claim"') == 3 and 'class="fail' not in page
        assert (out / name / f"{name}.py").read_text() == (passing_lessons / f"{name}.py").read_text()
        assert f'href="{name}/{name}.py"' in page and f"python lessons/{name}.py" in page
    first = (out / "01_first.html").read_text(encoding="utf-8")
    assert 'rel="next" href="02_second.html"' in first and 'rel="prev"' not in first
    assert "2/2 lessons passed" in capsys.readouterr().out


def test_a_failing_lesson_fails_the_tour_but_the_rest_still_run(passing_lessons, tmp_path):
    write_lessons(passing_lessons, **{"03_false_claim": FAILING, "04_crash": CRASHING,
                                      "05_after": PASSING.format(number=5)})
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(passing_lessons), "--out", str(out)]) == 1
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "3/5 lessons passed" in index
    assert index.count("FAILED") == 2
    false_claim = (out / "03_false_claim.html").read_text(encoding="utf-8")
    assert "FAILED" in false_claim and 'first failed check: <a href="#check-2">two is less than one' in false_claim
    failed_mark = '<span class="mark">✗</span> <span class="claim">'
    tested = 'title="a tested claim">'
    assert f'<li class="fail claim" id="check-2" {tested}{failed_mark}two is less than one' in false_claim
    assert f'<li class="fail claim" id="check-3" {tested}{failed_mark}six lies in [1, 5]' in false_claim
    crash = (out / "04_crash.html").read_text(encoding="utf-8")
    assert "FAILED" in crash and '<li class="pass claim" id="check-1" ' in crash
    error_at = crash.index('<pre class="error">')
    assert "boom in the middle of the lesson" in crash[error_at:]  # the traceback, in the cell that raised
    assert "04_crash.py&quot;, line 9" in crash[error_at:]  # with the file's own line numbers
    assert (out / "05_after" / "first_figure.png").is_file()  # lessons after a failure still ran


def test_tour_only_runs_the_chosen_lessons(passing_lessons, tmp_path):
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(passing_lessons), "--out", str(out), "--only", "2"]) == 0
    assert not (out / "01_first").exists()
    assert "1/1 lessons passed" in (out / "index.html").read_text(encoding="utf-8")


def test_tour_timeout_counts_as_a_failure(tmp_path):
    folder = write_lessons(tmp_path / "lessons", **{"01_slow": "import time\ntime.sleep(30)\n"})
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(folder), "--out", str(out), "--timeout", "1"]) == 1
    assert "FAILED" in (out / "index.html").read_text(encoding="utf-8")
    page = (out / "01_slow.html").read_text(encoding="utf-8")
    assert "[timed out after 1 s]" in page and "The lesson stopped in this cell" in page


def test_lesson_command_passes_the_exit_status_through(passing_lessons, tmp_path):
    write_lessons(passing_lessons, **{"03_false_claim": FAILING})
    assert main(["lesson", "1", "--lessons-dir", str(passing_lessons), "--out", str(tmp_path / "a")]) == 0
    assert (tmp_path / "a" / "first_figure.png").is_file()
    assert main(["lesson", "03", "--lessons-dir", str(passing_lessons), "--out", str(tmp_path / "b")]) == 1
    assert main(["lesson", "03_false_claim", "--lessons-dir", str(passing_lessons),
                 "--out", str(tmp_path / "c")]) == 1
    assert main(["lesson", "7", "--lessons-dir", str(passing_lessons)]) == 2


def test_tour_of_a_real_lesson(tmp_path):
    out = tmp_path / "tour"
    assert main(["tour", "--only", "5", "--out", str(out)]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "The earth mover&#x27;s distance" in index
    page = (out / "05_earth_movers_distance.html").read_text(encoding="utf-8")
    assert '<img src="05_earth_movers_distance/dirt_piles.png"' in page


def test_lessons_run_with_one_blas_thread_unless_the_user_says_otherwise(tmp_path, monkeypatch):
    folder = write_lessons(tmp_path / "lessons", **{"01_env": '''
import os
from minigan.lesson import Lesson

lesson = Lesson(__file__, "Environment")
lesson.check("BLAS threads", True, os.environ.get("OPENBLAS_NUM_THREADS", "unset"))
lesson.finish()
'''})
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    assert main(["tour", "--lessons-dir", str(folder), "--out", str(tmp_path / "a")]) == 0
    assert json.loads((tmp_path / "a" / "01_env" / "lesson.json").read_text())["checks"][0]["detail"] == "1"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "3")
    assert main(["tour", "--lessons-dir", str(folder), "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "01_env" / "lesson.json").read_text())["checks"][0]["detail"] == "3"


def test_lesson_command_passes_seed_full_and_backend_through(tmp_path, capsys):
    folder = write_lessons(tmp_path / "lessons", **{"01_options": '''
from minigan import backend
from minigan.lesson import Lesson

lesson = Lesson("01_options", "Options")
lesson.check("options", True, f"seed={lesson.seed} full={lesson.full} backend={backend.name()}")
lesson.finish()
'''})
    out = tmp_path / "a"
    assert main(["lesson", "1", "--lessons-dir", str(folder), "--out", str(out), "--seed", "7", "--full",
                 "--backend", "strict"]) == 0
    detail = json.loads((out / "lesson.json").read_text())["checks"][0]["detail"]
    assert detail == "seed=7 full=True backend=strict"
    assert main(["tour", "--lessons-dir", str(folder), "--out", str(tmp_path / "t"), "--seed", "3"]) == 0
    detail = json.loads((tmp_path / "t" / "01_options" / "lesson.json").read_text())["checks"][0]["detail"]
    assert detail == "seed=3 full=False backend=numpy"


def test_lesson_command_with_a_backend_that_cannot_run_is_one_line_and_status_2(passing_lessons, tmp_path,
                                                                                 capfd):
    assert main(["lesson", "1", "--lessons-dir", str(passing_lessons), "--out", str(tmp_path / "a"),
                 "--backend", "tpu"]) == 2
    error = capfd.readouterr().err
    assert error.count("\n") == 1 and "unknown backend 'tpu'" in error and "Traceback" not in error


SLEEPS_THEN_PASSES = '''
import time
from minigan.lesson import Lesson

time.sleep({seconds})
lesson = Lesson(__file__, "Sleeps {seconds} s")
lesson.check("this holds", True)
lesson.finish()
'''


def test_tour_jobs_run_lessons_side_by_side_and_print_them_in_order(tmp_path, capsys):
    """Lesson 1 sleeps longest and finishes last; with --jobs 3 the three still print 1, 2, 3 and the
    run takes about one lesson's time, not the sum."""
    folder = write_lessons(tmp_path / "lessons", **{
        "01_slow": SLEEPS_THEN_PASSES.format(seconds=3),
        "02_quick": SLEEPS_THEN_PASSES.format(seconds=0),
        "03_quick": SLEEPS_THEN_PASSES.format(seconds=0),
    })
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(folder), "--out", str(out), "--jobs", "3"]) == 0
    printed = capsys.readouterr().out
    starts = [printed.index(f"lesson  {n}  Sleeps") for n in (1, 2, 3)]
    assert starts == sorted(starts) and "3/3 lessons passed" in printed and "(3 at a time)" in printed
    for name in ("01_slow", "02_quick", "03_quick"):
        assert all(check["passed"] for check in json.loads((out / name / "lesson.json").read_text())["checks"])
    finished = {name: (out / name / "lesson.json").stat().st_mtime for name in ("01_slow", "02_quick")}
    assert finished["02_quick"] < finished["01_slow"]  # lesson 2 did not wait for lesson 1


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_tour_jobs_must_be_a_positive_integer(jobs, tmp_path, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["tour", "--out", str(tmp_path / "t"), "--jobs", jobs])
    assert exited.value.code == 2 and "--jobs" in capsys.readouterr().err
