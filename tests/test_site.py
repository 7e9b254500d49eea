"""The course site: cells split and run as the script would, and pages that hold the whole lesson in order.

The expectations come from the lesson's source file (its headings, its savefig calls, its literal
claims) and from the lesson's own summary (lesson.json, written by ``Lesson.finish``), never from
the site's record of itself. Host-only (HTML and subprocesses): run on the numpy backend only.
"""

import json
import re
import subprocess
import sys
import textwrap
from html.parser import HTMLParser
from pathlib import Path

import pytest

from minigan.cli import main
from minigan.cli.cells import split_cells
from minigan.cli.site import first_sentence, highlight_python, render_caption, render_markdown

pytestmark = pytest.mark.numpy_only

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"


# --------------------------------------------------------------------------------- splitting
def test_split_cells_reads_the_percent_format():
    source = textwrap.dedent("""\
        # %% [markdown]
        # # Title
        #
        # Some *text*.

        # %%
        x = 1

        # %% [markdown]
        # ## Section
        # %%
        print(x)
        """)
    cells = split_cells(source)
    assert [(cell.kind, cell.source, cell.line) for cell in cells] == [
        ("markdown", "# Title\n\nSome *text*.", 2),
        ("code", "x = 1", 7),
        ("markdown", "## Section", 10),
        ("code", "print(x)", 12),
    ]


def test_code_inside_a_markdown_cell_is_still_code_as_python_runs_it():
    source = "import os\n# %% [markdown]\n# # Heading\n\nvalue = 3\n# trailing comment\n"
    cells = split_cells(source)
    assert [(cell.kind, cell.source, cell.line) for cell in cells] == [
        ("code", "import os", 1), ("markdown", "# Heading", 3), ("code", "value = 3\n# trailing comment", 5)]


def test_first_sentence_skips_headings_and_keeps_abbreviations():
    text = "# Lesson 9 — Clipping\n\nKeep the critic, e.g. by clipping, in a set. Then more.\n"
    assert first_sentence(text) == "Keep the critic, e.g. by clipping, in a set."


def test_markdown_is_rendered_with_raw_html_escaped():
    rendered = render_markdown("## A <b>heading</b>\n\n* **bold** and `code`\n* x < y")
    assert "<h2>A &lt;b&gt;heading&lt;/b&gt;</h2>" in rendered
    assert "<strong>bold</strong>" in rendered and "<code>code</code>" in rendered and "x &lt; y" in rendered


# --------------------------------------------------------------------------------- the runner
RECORDED = '''
# %% [markdown]
# # Lesson 1 — Recorded in order

# %%
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from minigan.lesson import Lesson

lesson = Lesson("01_recorded", "Recorded")
print("argv", sys.argv[1:3], "file", __file__.endswith("01_recorded.py"), "name", __name__)

# %%
print("before")
lesson.check_close("two is two", 2.0, 2.0)
print("between\\r", end="")
print("\\rafter")
figure, axes = plt.subplots(figsize=(2, 2))
axes.plot([0, 1])
axes.set_title("A line")
lesson.savefig(figure, "line")
lesson.check("a last claim", True)

# %% [markdown]
# ## Then it crashes

# %%
value = 1 / 0

# %%
print("never")
lesson.finish()
'''


def test_the_runner_records_each_cells_outputs_in_order(tmp_path):
    source = tmp_path / "01_recorded.py"
    source.write_text(textwrap.dedent(RECORDED), encoding="utf-8")
    out = tmp_path / "out"
    record_path = tmp_path / "cells.json"
    completed = subprocess.run([sys.executable, "-m", "minigan.cli.cells", str(source), str(record_path),
                                "--out", str(out)], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    assert "  ✓ two is two" in completed.stdout and "ZeroDivisionError" in completed.stderr  # the log is whole
    record = json.loads(record_path.read_text(encoding="utf-8"))
    assert [cell["kind"] for cell in record] == ["markdown", "code", "code", "markdown", "code", "code"]
    assert [cell.get("status") for cell in record] == [None, "ok", "ok", None, "error", "not run"]
    first = record[1]["outputs"]
    assert f"argv ['--out', '{out}'] file True name __main__" in first[-1]["text"]
    second = record[2]["outputs"]
    assert [output["type"] for output in second] == ["text", "check", "text", "figure", "check"]
    assert second[0]["text"] == "before"
    assert second[1] == {"type": "check", "claim": "two is two", "passed": True, "detail": "got 2, expected 2",
                         "kind": "claim"}
    assert second[2]["text"] == "after"  # what a terminal shows after the carriage returns
    assert second[3] == {"type": "figure", "file": "line.png", "title": "A line"}
    assert (out / "line.png").is_file()
    error = record[4]["outputs"][-1]
    assert error["type"] == "error" and "ZeroDivisionError" in error["text"]
    assert f'File "{source}", line 33' in error["text"]  # the script's own line number
    assert "minigan/cli/cells.py" not in error["text"]  # the runner's frame is not part of the story


def test_a_syntax_error_is_shown_in_its_cell(tmp_path):
    source = tmp_path / "01_typo.py"
    source.write_text("# %%\nprint('fine')\n\n# %%\nx = (1,\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "minigan.cli.cells", str(source), str(tmp_path / "c.json")],
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    record = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert [cell["status"] for cell in record] == ["ok", "error"]
    assert "SyntaxError" in record[1]["outputs"][-1]["text"] and "line 5" in record[1]["outputs"][-1]["text"]


def test_the_runner_passes_the_lessons_exit_status(tmp_path):
    source = tmp_path / "01_fails.py"
    source.write_text('from minigan.lesson import Lesson\nlesson = Lesson("01_fails", "Fails")\n'
                      'lesson.check("false", False)\nlesson.finish()\n', encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "minigan.cli.cells", str(source), str(tmp_path / "c.json"),
                                "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert completed.returncode == 1
    record = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    assert record[0]["status"] == "exited"
    assert record[0]["outputs"][1] == {"type": "check", "claim": "false", "passed": False, "detail": "",
                                       "kind": "claim"}


# ------------------------------------------------------------------------- two real lessons
class _PageEvents(HTMLParser):
    """The page's headings, check claims and images, in document order."""

    def __init__(self):
        super().__init__()
        self.events: list[tuple[str, str]] = []
        self._capture: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in ("h1", "h2", "h3"):
            self._capture, self._text = "heading", []
        elif tag == "span" and attributes.get("class") == "claim":
            self._capture, self._text = "check", []
        elif tag == "img":
            self.events.append(("figure", attributes["src"]))

    def handle_endtag(self, tag):
        if self._capture and tag in ("h1", "h2", "h3", "span"):
            self.events.append((self._capture, "".join(self._text).strip()))
            self._capture = None

    def handle_data(self, data):
        if self._capture:
            self._text.append(data)


def _expected_from_source(path: Path, summary: dict) -> tuple[list[tuple[int, str, str]], list[str]]:
    """(line, kind, text) for every heading, every figure and every claim written literally in the source."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    expected = []
    for number, line in enumerate(lines, start=1):
        heading = re.match(r"^# (#{1,3}) (.+)$", line)
        if heading:
            text = re.sub(r"[*`{}^]", "", heading.group(2)).replace("~", "∼")
            text = re.sub(r"(?<=\w)_(?=\w)", "", text)  # p_r is drawn as p<sub>r</sub>: its text is "pr"
            expected.append((number, "heading", text.strip()))
    for figure in summary["figures"]:
        name = Path(figure).stem
        call = re.search(r"savefig\([^)]*[\"']" + re.escape(name) + r"[\"']", source)
        assert call, f"no savefig call for {figure} in {path.name}"
        expected.append((source[: call.start()].count("\n") + 1, "figure", f"{path.stem}/{figure}"))
    claims = [check["claim"] for check in summary["checks"]]
    for claim in claims:
        for quote in ('"', "'"):
            at = source.find(quote + claim + quote)
            if at >= 0:
                expected.append((source[:at].count("\n") + 1, "check", claim))
                break
    return sorted(expected), claims


def _in_order(haystack: list[tuple[str, str]], needles: list[tuple[str, str]]) -> tuple[str, str] | None:
    """The first needle not found in ``haystack`` after the previous one (None: all are there, in order)."""
    position = 0
    for needle in needles:
        try:
            position = haystack.index(needle, position) + 1
        except ValueError:
            return needle
    return None


@pytest.mark.parametrize("numbers", [("1", "5")])
def test_the_site_holds_each_lesson_whole_and_in_order(numbers, tmp_path):
    out = tmp_path / "tour"
    assert main(["tour", "--only", *numbers, "--out", str(out)]) == 0
    index = (out / "index.html").read_text(encoding="utf-8")
    pages = sorted(out.glob("[0-9][0-9]_*.html"))
    assert len(pages) == 2
    for page_path in pages:
        name = page_path.stem
        summary = json.loads((out / name / "lesson.json").read_text(encoding="utf-8"))
        page = page_path.read_text(encoding="utf-8")
        parser = _PageEvents()
        parser.feed(page)
        events = parser.events
        assert summary["title"] in page.replace("&#x27;", "'") and f'href="{name}.html"' in index
        expected, claims = _expected_from_source(LESSONS_DIR / f"{name}.py", summary)
        headings = [event for event in expected if event[1] == "heading"]
        assert len(headings) >= 3 and len([e for e in expected if e[1] == "check"]) >= 3  # the order is tested
        # every heading, every figure and every literal claim, in the source's order
        missing = _in_order(events, [(kind, text) for _, kind, text in expected])
        assert missing is None, f"{name}: {missing} missing or out of order"
        # every check the lesson made, in the order it made them, and an <img> per saved figure
        assert _in_order(events, [("check", claim) for claim in claims]) is None
        assert [text for kind, text in events if kind == "check"] == claims
        assert [text for kind, text in events if kind == "figure"] == [f"{name}/{f}" for f in summary["figures"]]
        for figure in summary["figures"]:
            assert (out / name / figure).stat().st_size > 5000
        assert page.count('<details class="code">') >= 5  # code cells are folded
        assert f"python lessons/{name}.py" in page and f'href="{name}/{name}.py"' in page
        from minigan.exercises import exercises_for_lesson

        exercises = exercises_for_lesson(summary["number"])
        assert exercises and all(f"<code>{stem}.py</code>" in page for stem, _ in exercises)  # "your turn"
    first, second = (page.stem for page in pages)
    assert f'rel="next" href="{second}.html"' in (out / f"{first}.html").read_text(encoding="utf-8")
    assert f'rel="prev" href="{first}.html"' in (out / f"{second}.html").read_text(encoding="utf-8")


# ------------------------------------------------------------------ math, subscripts, code, marks
def _visible_text(html: str) -> str:
    """The page's text outside MathML and code: what a reader sees as prose and formulas."""
    return re.sub(r"<math.*?</math>|<code[^>]*>.*?</code>", "", html, flags=re.S)


def test_tex_between_dollars_becomes_mathml_and_a_lone_dollar_stays_text():
    html = render_markdown("Duality: $E_P f^* - E_Q f^* = W_1$.\n\n"
                           "$$\\sup_{\\|f\\|_L \\le 1} E_P f$$\n\nIt costs \\$5.")
    assert html.count("<math") == 2 and 'display="block"' in html and 'display="inline"' in html
    assert "<msub><mi>E</mi><mi>P</mi></msub>" in html
    assert "&#x02264;" in html  # ≤
    assert "$" not in _visible_text(html).replace("$5", "")
    assert "It costs $5." in html


def test_unreadable_tex_is_shown_as_its_source_not_dropped():
    html = render_markdown("broken: $\\frac{1}{$ here")
    assert "frac" in html or "$" in html


def test_plain_subscripts_render_as_sub_and_function_names_stay():
    html = render_markdown("∇_θ E_{x~μ_G}[f] and p_r, max_D L; but w1_samples and n_critic stay; _emph_ too")
    assert "∇<sub>θ</sub>" in html and "E<sub>x∼μ<sub>G</sub></sub>" in html
    assert "p<sub>r</sub>" in html and "max<sub>D</sub>" in html
    assert "w1_samples" in html and "n_critic" in html and "<em>emph</em>" in html
    assert "<em>θ" not in html


def test_an_indented_line_in_the_text_is_a_formula_with_subscripts():
    html = render_markdown("The dual:\n\n    W₁(P, Q) = sup over f of E_{x~P} f(x) − E_{y~Q} f(y)\n    second line\n")
    assert '<div class="formula">' in html and "E<sub>x∼P</sub>" in html and "<br>second line" in html
    assert "<pre>" not in html


def test_a_figure_caption_with_mathtext_is_mathml():
    html = render_caption("Figure: $E_P\\,f^*$ vs <W>")
    assert "<math" in html and "&lt;W&gt;" in html and "$" not in html and "\\," not in html


def test_code_is_highlighted_and_escaped():
    html = highlight_python("x = a < b  # compare")
    assert '<span class="c1"># compare</span>' in html and "&lt;" in html and "<b" not in html


@pytest.mark.parametrize("path", sorted(LESSONS_DIR.glob("[0-9][0-9]_*.py")), ids=lambda path: path.stem)
def test_no_raw_tex_or_underscore_notation_reaches_a_lesson_page(path):
    for cell in split_cells(path.read_text(encoding="utf-8")):
        if cell.kind != "markdown":
            continue
        text = _visible_text(render_markdown(cell.source))
        leftover = re.search(r"\$|\\[A-Za-z]+\b|_\{|\^\{|(?<![\w])[A-Za-zα-ωΑ-Ω]{1,3}_[A-Za-zα-ωΑ-Ω0-9]{1,3}\b", text)
        assert leftover is None, (f"{path.name} line {cell.line}: raw notation "
                                  f"{text[max(0, leftover.start() - 40):leftover.end() + 20]!r}")


def test_checks_are_drawn_with_their_kind_and_counted_apart(tmp_path):
    source = tmp_path / "01_kinds.py"
    source.write_text(
        'from minigan.lesson import Lesson\nlesson = Lesson("01_kinds", "Kinds")\n'
        'lesson.check("a claim", True)\nlesson.identity("an identity", True)\n'
        'lesson.worked("a worked sum", True)\nlesson.check_close("two", 2.0, 2.0, kind="identity")\n'
        "lesson.finish()\n", encoding="utf-8")
    out = tmp_path / "tour"
    assert main(["tour", "--lessons-dir", str(tmp_path), "--out", str(out)]) == 0
    page = (out / "01_kinds.html").read_text(encoding="utf-8")
    marks = re.findall(r'<li class="pass (\w+)"[^>]*><span class="mark">(.)</span>', page)
    assert marks == [("claim", "✓"), ("identity", "≡"), ("worked", "∴"), ("identity", "≡")]
    assert "1 claim checked, 2 identities shown, 1 worked computation" in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "1 claim checked, 2 identities shown, 1 worked computation" in index
