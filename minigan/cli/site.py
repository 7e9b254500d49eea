"""The course site the tour writes: a course map and one readable page per lesson.

    OUT/index.html          the course map: every lesson in order, its one-line idea, status,
                            checks passed, time and a link to its page
    OUT/NN_name.html        the lesson read top to bottom: its markdown cells as text, each code
                            cell folded (one click opens it) followed by what it printed, the
                            checks it made (✓/✗ with got vs expected) and its figures, captioned
    OUT/NN_name/            the lesson's figures, lesson.json, cells.json, output.txt, a copy of its source
    OUT/site.css            the one style sheet
    OUT/tour.json           the manifest: enough to draw the site again without running anything

Everything is relative links under OUT, so the pages work from ``file://`` with no network.
Markdown is rendered by markdown-it-py (CommonMark, raw HTML off, so the text is escaped).
Math written as ``$…$`` (inline) or ``$$…$$`` (display), in the text and in figure titles
(matplotlib's mathtext), becomes MathML on the server (latex2mathml): browsers draw MathML
natively (MathML Core), so the pages carry no script and no fonts and still work offline —
KaTeX served from the package would add about 280 kB of script and 1 MB of fonts per site for
the same formulas. Code cells are highlighted by Pygments (classes, with its style sheet
appended to site.css). A check is drawn with its kind's mark: ✓ a tested claim, ≡ an identity
(agreement with a theorem), ∴ a worked computation; they are counted apart.
A page links the lesson's notebook when ``OUT/notebooks/NN_name.ipynb`` exists (``minigan
notebooks`` writes them there by default and then draws the site again).
"""

from __future__ import annotations

import json
import re
import shutil
from html import escape
from importlib import resources
from pathlib import Path
from typing import Any

from minigan.cli.cells import LessonRun
from minigan.lesson import CHECK_KINDS, count_kinds

__all__ = ["write_site", "rebuild_site", "render_markdown", "first_sentence", "NOTEBOOKS_FOLDER"]

NOTEBOOKS_FOLDER = "notebooks"
_HEADING_PREFIX = re.compile(r"^Lesson\s+\d+\s*[—–:.-]\s*")
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\bal)(?<!\bcf)[.!?](?=\s|$)")


# The one line that puts `minigan` and the lessons' `python` on PATH (printed last by scripts/tour.sh).
ACTIVATE = "<code>source .venv/bin/activate</code>"


def latex_to_mathml(latex: str, display: bool = False) -> str:
    """One formula, TeX syntax, as a MathML element (``display="block"`` for a display formula).

    A formula latex2mathml cannot read is shown as its source in <code>, never dropped."""
    from latex2mathml.converter import convert

    try:
        return convert(latex.strip(), display="block" if display else "inline")
    except Exception:  # latex2mathml raises many kinds for unreadable TeX: show the source instead
        return f'<code class="math-source">{escape(latex)}</code>'


def _markdown() -> Any:
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def render(content: str, options: dict[str, Any]) -> str:
        return latex_to_mathml(content, display=bool(options.get("display_mode")))

    markdown = (MarkdownIt("commonmark", {"html": False}).enable("table")
                .use(dollarmath_plugin, allow_space=True, double_inline=True, renderer=render))
    markdown.inline.ruler.before("emphasis", "subscript", _subscript_rule)
    markdown.inline.ruler.before("emphasis", "superscript", _superscript_rule)

    def display_formula(renderer: Any, tokens: Any, index: int, options: Any, env: Any) -> str:
        # The lessons indent a line to set a formula apart (W₁(P, Q) = sup over f …): draw it as a
        # formula, with its subscripts, not as code. Fenced blocks (```) stay code.
        lines = tokens[index].content.rstrip("\n").split("\n")
        return '<div class="formula">' + "<br>".join(markdown.renderInline(line) for line in lines) + "</div>\n"

    markdown.add_render_rule("code_block", display_formula)
    return markdown


# The lessons write subscripts as plain text, p_r, max_D, E_{x∼p} (readable in the .py file and the
# notebook); on the page they become p<sub>r</sub>. Without this rule CommonMark reads the underscores
# of "∇_θ E_{x∼μ}" as emphasis and prints "∇<em>θ E</em>{x∼μ}". Only a short base (≤ 3 characters:
# p, E, W, max, ∇) with a braced or short (≤ 3 characters) index counts, so that names such as
# w1_samples or n_critic in the prose stay as they are.
_SUBSCRIPT = re.compile(r"_(\{[^{}\n]{1,40}\}|[0-9A-Za-zα-ωΑ-Ω′]{1,3}(?![0-9A-Za-zα-ωΑ-Ω_]))")
_BASE = re.compile(r"[0-9A-Za-zα-ωΑ-Ω∇′*∗)\]]{1,3}$")
_NORM_BASE = re.compile(r"(‖[^‖\s]{1,6}‖|\|[^|\s]{1,6}\|)$")  # ‖f‖_L, |x|_1
_INNER_SUBSCRIPT = re.compile(r"_([0-9A-Za-zα-ωΑ-Ω]{1,3})")


def _subscript_rule(state: Any, silent: bool) -> bool:
    source, position = state.src, state.pos
    if source[position] != "_" or position == 0:
        return False
    if not _NORM_BASE.search(source, max(0, position - 8), position):
        base = _BASE.search(source, max(0, position - 3), position)
        start_of_word = position - (len(base.group(0)) if base else 0)
        if base is None or base.group(0).isdigit() or (start_of_word > 0 and (source[start_of_word - 1].isalnum()
                                                   or source[start_of_word - 1] == "_")):
            return False  # no base, or a longer word (a function name such as w1_samples)
    match = _SUBSCRIPT.match(source, position)
    if match is None:
        return False
    if not silent:
        text = match.group(1)
        text = text[1:-1] if text.startswith("{") else text
        inner = _INNER_SUBSCRIPT.sub(r"<sub>\1</sub>", escape(text.replace("~", "∼")))
        token = state.push("html_inline", "", 0)
        token.content = f"<sub>{inner}</sub>"
    state.pos = match.end()
    return True


_SUPERSCRIPT = re.compile(r"\^\{([^{}\n]{1,40})\}")


def _superscript_rule(state: Any, silent: bool) -> bool:
    """e^{−μ²/2} in the text becomes e<sup>−μ²/2</sup> on the page (only the braced form)."""
    match = _SUPERSCRIPT.match(state.src, state.pos)
    if match is None or state.pos == 0:
        return False
    if not silent:
        token = state.push("html_inline", "", 0)
        token.content = f"<sup>{escape(match.group(1))}</sup>"
    state.pos = match.end()
    return True


def render_markdown(text: str) -> str:
    """CommonMark (plus tables) to HTML; raw HTML in the text is escaped, not passed through;
    ``$…$`` and ``$$…$$`` become MathML."""
    return _markdown().render(text)


def _render_inline(text: str) -> str:
    return _markdown().renderInline(text)


def render_caption(text: str) -> str:
    """A figure title as HTML: text escaped, matplotlib's ``$…$`` mathtext as MathML, p_r as p<sub>r</sub>."""
    return _render_inline(text)


def highlight_python(source: str) -> str:
    """Python source as HTML spans with Pygments' short class names (styled by site.css)."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    return highlight(source, PythonLexer(), HtmlFormatter(nowrap=True)).rstrip("\n")


def _code_style() -> str:
    from pygments.formatters import HtmlFormatter

    return "\n/* code highlighting: Pygments' default style */\n" + HtmlFormatter().get_style_defs("pre code")


def first_sentence(text: str) -> str:
    """The first sentence of the first paragraph that is not a heading (markdown kept)."""
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(line.strip() for line in paragraph.strip().splitlines())
        if not paragraph or paragraph.startswith(("#", "*  ", "    ")):
            continue
        end = _SENTENCE_END.search(paragraph)
        return paragraph[: end.end()] if end else paragraph
    return ""


def _markdown_cells(run: LessonRun) -> list[str]:
    return [cell["source"] for cell in run.cells if cell["kind"] == "markdown"]


def _heading(run: LessonRun) -> str:
    """The lesson's first markdown heading without "Lesson N —", else its title."""
    for source in _markdown_cells(run):
        for line in source.splitlines():
            if line.startswith("# "):
                return _HEADING_PREFIX.sub("", line[2:].strip())
    return run.title


def _idea(run: LessonRun) -> str:
    sources = _markdown_cells(run)
    return first_sentence(sources[0]) if sources else ""


def _page_name(run: LessonRun) -> str:
    return f"{run.name}.html"


def _minutes_seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else f"{int(seconds // 60)} min {seconds % 60:02.0f} s"


# ------------------------------------------------------------------------------------ the site
def write_site(runs: list[LessonRun], out: Path, total_seconds: float, full: bool = False) -> Path:
    """Write the course map, one page per lesson, the style sheet and the manifest; return index.html."""
    out.mkdir(parents=True, exist_ok=True)
    style = resources.files("minigan.cli").joinpath("assets", "site.css").read_text(encoding="utf-8")
    (out / "site.css").write_text(style + _code_style(), encoding="utf-8")
    for position, run in enumerate(runs):
        if run.source.is_file():
            shutil.copyfile(run.source, run.folder / run.source.name)
        previous = runs[position - 1] if position > 0 else None
        following = runs[position + 1] if position + 1 < len(runs) else None
        (out / _page_name(run)).write_text(_lesson_page(run, out, previous, following, full), encoding="utf-8")
    manifest = {"full": full, "total_seconds": round(total_seconds, 2),
                "lessons": [run.manifest_entry() for run in runs]}
    (out / "tour.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    index = out / "index.html"
    index.write_text(_course_map(runs, out, total_seconds, full), encoding="utf-8")
    return index


def rebuild_site(out: Path) -> Path | None:
    """Draw the site in ``out`` again from its manifest (e.g. to link notebooks written since); None if no site."""
    try:
        manifest = json.loads((out / "tour.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    runs = [LessonRun.from_manifest(entry, out) for entry in manifest["lessons"]]
    return write_site(runs, out, manifest["total_seconds"], manifest["full"])


def _head(title: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{escape(title)}</title><link rel="icon" href="data:,"><link rel="stylesheet" href="site.css">'
            "</head>\n<body>")


def _notebook(run: LessonRun, out: Path) -> str | None:
    relative = f"{NOTEBOOKS_FOLDER}/{run.name}.ipynb"
    return relative if (out / relative).is_file() else None


def _course_map(runs: list[LessonRun], out: Path, total_seconds: float, full: bool) -> str:
    passed_lessons = sum(1 for run in runs if run.passed)
    all_checks = [check for run in runs for check in run.checks]
    passed_checks = sum(1 for check in all_checks if check.get("passed"))
    mode = "full" if full else "quick"
    parts = [
        _head("minigan — the course"),
        '<header class="map"><h1>minigan — the course</h1>',
        f"<p>{len(runs)} short lesson{'s' if len(runs) != 1 else ''} on GANs and Wasserstein GANs, in order. Each page "
        "is a lesson run just now: its text, its code (click to open), what the code printed, the claims it checked "
        "and the figures it drew.</p>",
        f'<p class="summary">{passed_lessons}/{len(runs)} lessons passed, {passed_checks}/{len(all_checks)} checks, '
        f"{mode} mode, total time {_minutes_seconds(total_seconds)}.</p></header>",
        '<main><table class="course-map"><thead><tr><th>#</th><th>lesson</th><th>status</th><th>checks</th>'
        "<th>time</th></tr></thead><tbody>",
    ]
    for run in runs:
        checks = run.checks
        passed = sum(1 for check in checks if check.get("passed"))
        status = '<span class="badge ok">passed</span>' if run.passed else '<span class="badge failed">FAILED</span>'
        notebook = _notebook(run, out)
        notebook_link = (f'<div class="notebook"><a href="{escape(notebook)}">notebook (.ipynb)</a></div>'
                         if notebook else "")
        idea = _idea(run)
        parts.append(
            f'<tr id="{escape(run.name)}"><td class="number">{run.number:02d}</td>'
            f'<td><a class="lesson-link" href="{escape(_page_name(run))}">{escape(run.title)}</a>'
            f'<div class="heading">{escape(_heading(run))}</div>'
            + (f'<div class="idea">{_render_inline(idea)}</div>' if idea else "")
            + f"{notebook_link}</td><td>{status}</td><td>{passed}/{len(checks)}"
            f'<div class="kinds">{escape(count_kinds(checks))}</div></td>'
            f"<td>{_minutes_seconds(run.seconds)}</td></tr>")
    parts.append("</tbody></table></main>")
    parts.append('<footer><p>Marks: ✓ a claim tested (it fails if the lesson is wrong), ≡ an identity shown '
                 "(agreement with a theorem: it fails only on a bug), ∴ a worked computation, ✗ a failed check.</p>"
                 '<p>Made by <code>minigan tour</code>. Run one lesson: <code>minigan lesson N</code>; '
                 "as notebooks: <code>minigan notebooks</code> (in a shell where minigan's environment is active: "
                 f"{ACTIVATE}, the line <code>scripts/tour.sh</code> prints last).</p></footer></body></html>")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------------------ a lesson page
def _nav(previous: LessonRun | None, following: LessonRun | None) -> str:
    left = (f'<a rel="prev" href="{escape(_page_name(previous))}">← {previous.number:02d} · '
            f"{escape(previous.title)}</a>") if previous else "<span></span>"
    right = (f'<a rel="next" href="{escape(_page_name(following))}">{following.number:02d} · '
             f"{escape(following.title)} →</a>") if following else "<span></span>"
    return f'<nav class="lesson-nav">{left}<a href="index.html">course map</a>{right}</nav>'


def _lesson_page(run: LessonRun, out: Path, previous: LessonRun | None, following: LessonRun | None,
                 full: bool) -> str:
    folder = run.folder.relative_to(out).as_posix()
    checks = run.checks
    passed = sum(1 for check in checks if check.get("passed"))
    failed_at = next((index for index, check in enumerate(checks) if not check.get("passed")), None)
    meta = (f"{passed}/{len(checks)} checks passed ({escape(count_kinds(checks))}) · {_minutes_seconds(run.seconds)}"
            f" · {'full' if full else 'quick'} mode")
    if run.summary and run.summary.get("backend"):
        meta += f" · backend {escape(str(run.summary['backend']))}"
    if run.passed:
        status = f'<p class="status ok"><span class="badge ok">passed</span> {meta}</p>'
    else:
        where = (f' — first failed check: <a href="#check-{failed_at + 1}">'
                 f"{escape(str(checks[failed_at].get('claim', '')))}</a>") if failed_at is not None else ""
        crashed = next((index for index, cell in enumerate(run.cells)
                        if cell.get("status") in ("error", "running")), None)
        if failed_at is None and crashed is not None:
            where = f' — it stopped in <a href="#cell-{crashed + 1}">this cell</a>'
        status = f'<p class="status failed"><span class="badge failed">FAILED</span> {meta}{where}</p>'
    source_link = f"{folder}/{run.source.name}"
    notebook = _notebook(run, out)
    links = [f'<a href="{escape(source_link)}">source</a> (<code>lessons/{escape(run.source.name)}</code>)']
    if notebook:
        links.append(f'<a href="{escape(notebook)}">notebook</a>')
    from minigan.lab.presets import preset_for_lesson

    preset = preset_for_lesson(run.number)
    if preset is not None:  # the lab's preset table says which lessons open in the lab
        links.append(f"open it in the lab: <code>minigan lab --preset {escape(preset.name)}</code>")
    parts = [
        _head(f"{run.number:02d} · {run.title} — minigan"),
        _nav(previous, following),
        f'<header class="lesson"><p class="kicker">Lesson {run.number:02d} · {escape(run.title)}</p>',
        status,
        f'<p class="run">Run it: <code>python lessons/{escape(run.source.name)}</code> or '
        f"<code>minigan lesson {run.number}</code> from the minigan folder, after {ACTIVATE} · "
        f"{' · '.join(links)}</p></header>",
        "<main>",
    ]
    counters = {"check": 0, "figure": 0}
    for position, cell in enumerate(run.cells, start=1):
        if cell["kind"] == "markdown":
            parts.append(f'<section class="text">{render_markdown(cell["source"])}</section>')
        else:
            parts.append(_code_cell(cell, position, folder, counters, run.error))
    if run.error and not any(cell.get("status") in ("error", "running") for cell in run.cells):
        parts.append(f'<pre class="error">{escape(run.error)}</pre>')  # died outside any cell's record
    parts.append(_exercises_section(run.number))
    parts.append("</main>")
    parts.append(f"<footer>{_nav(previous, following)}</footer></body></html>")
    return "\n".join(parts) + "\n"


def _exercises_section(number: int) -> str:
    """'Your turn': the exercises of this lesson (``minigan exercises DIR``, then ``minigan check N``)."""
    from minigan.exercises import exercises_for_lesson

    exercises = exercises_for_lesson(number)
    if not exercises:
        return ""
    items = "".join(
        f"<li><code>{escape(stem)}.py</code> — {escape(title)} · check it with "
        f"<code>minigan check {int(stem.split('_', 1)[0])}</code></li>" for stem, title in exercises)
    return ('<section class="text exercises"><h2>Your turn: exercises</h2>'
            "<p>Write the pieces of this lesson yourself: <code>minigan exercises ~/wgan-course</code> writes the "
            "workspace, then run this lesson on your own code with "
            f"<code>minigan lesson {number} --with-exercises ~/wgan-course</code>.</p><ul>{items}</ul></section>")


def _code_cell(cell: dict[str, Any], position: int, folder: str, counters: dict[str, int], stop_reason: str) -> str:
    """One code cell: its code folded, then its outputs in order (text, checks, figures, error)."""
    status = cell.get("status", "not run")
    outputs = cell.get("outputs", [])
    trouble = status in ("error", "running") or any(
        output["type"] == "check" and not output.get("passed") for output in outputs)
    lines = cell["source"].count("\n") + 1
    first = cell["line"]
    summary = f"code · lines {first}–{first + lines - 1}" if lines > 1 else f"code · line {first}"
    parts = [f'<div class="cell{" trouble" if trouble else ""}" id="cell-{position}">',
             f'<details class="code"{" open" if trouble else ""}><summary>{summary}</summary>'
             f'<pre><code class="language-python">{highlight_python(cell["source"])}</code></pre></details>']
    checks_open = False
    for output in outputs:
        kind = output["type"]
        if kind != "check" and checks_open:
            parts.append("</ul>")
            checks_open = False
        if kind == "text":
            parts.append(f'<pre class="output">{escape(output["text"])}</pre>')
        elif kind == "check":
            if not checks_open:
                parts.append('<ul class="checks">')
                checks_open = True
            counters["check"] += 1
            passed = output.get("passed")
            kind = output.get("kind", "claim")
            kind = kind if kind in CHECK_KINDS else "claim"
            detail = output.get("detail") or ""
            detail_html = f' <span class="detail">{escape(detail)}</span>' if detail else ""
            title = {"claim": "a tested claim", "identity": "an identity: agreement with a theorem",
                     "worked": "a worked computation"}[kind]
            parts.append(f'<li class="{"pass" if passed else "fail"} {kind}" id="check-{counters["check"]}" '
                         f'title="{title}"><span class="mark">{CHECK_KINDS[kind] if passed else "✗"}</span> '
                         f'<span class="claim">{escape(str(output.get("claim", "")))}</span>{detail_html}</li>')
        elif kind == "figure":
            counters["figure"] += 1
            source = escape(f"{folder}/{output['file']}")
            title = output.get("title") or Path(output["file"]).stem.replace("_", " ")
            parts.append(f'<figure><a href="{source}"><img src="{source}" alt="{escape(title)}"></a>'
                         f'<figcaption>Figure {counters["figure"]}. {render_caption(title)}</figcaption></figure>')
        elif kind == "error":
            parts.append(f'<pre class="error">{escape(output["text"])}</pre>')
    if checks_open:
        parts.append("</ul>")
    if status == "running":
        parts.append('<p class="stopped">The lesson stopped in this cell (timed out or killed):</p>')
        if stop_reason:
            parts.append(f'<pre class="error">{escape(stop_reason)}</pre>')
    elif status == "not run":
        parts.append('<p class="stopped">Not run: an earlier cell failed.</p>')
    parts.append("</div>")
    return "\n".join(parts)
