"""Offline HTML pages for watching training: ``training.html`` (one run) and ``compare.html``
(several runs in step). Self-contained: frames are embedded as base64 PNG, the W₁ curve is inline
SVG, the player is a few lines of plain JavaScript — no CDN, no network, opens from a file.

Controls: play / pause (also the space bar), step back / forward (also ← and →), a slider over
the frames; the one W₁ curve (exact W₁ against generator step, one line per run; the frames
themselves carry none) has a grey dashed marker — a colour no run uses — at the current frame's
step. Frames count from 1 everywhere: the label says "frame K of N", the address says
``page.html#frame=K``, and the page keeps the two in step (changing the address after the page
loaded moves to that frame). Frames come from :class:`minigan.animation.Recorder` (PNG bytes and
steps in memory) or, for older callers, as PNG files named ``frame_<step>.png``.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["write_training_page", "write_compare_page", "frame_step"]

COLOURS = ["#000000", "#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"]
MARKER_COLOUR = "#888888"  # grey and dashed: never one of the runs' colours


def frame_step(path: Path) -> int:
    """The generator step in a frame's file name (frame_000150.png → 150)."""
    match = re.search(r"(\d+)\.png$", Path(path).name)
    if match is None:
        raise ValueError(f"not a frame file name: {path}")
    return int(match.group(1))


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _frames(frames: Sequence[Any]) -> list[tuple[int, bytes]]:
    """(step, PNG bytes) in step order, from recorder frames (``.step``, ``.png``) or PNG paths."""
    pairs = [(int(f.step), f.png) if hasattr(f, "png") else (frame_step(f), Path(f).read_bytes()) for f in frames]
    if not pairs:
        raise ValueError("no frames for the page")
    return sorted(pairs, key=lambda pair: pair[0])


def _curve_svg(curves: Mapping[str, tuple[Sequence[float], Sequence[float]]], width: int = 520,
               height: int = 240) -> str:
    """An SVG of W₁ curves (name → (steps, w1)); the marker line has id "marker"."""
    left, right, top, bottom = 52, 24, 12, 36
    all_steps = [s for steps, _ in curves.values() for s in steps] or [0, 1]
    all_w1 = [w for _, values in curves.values() for w in values if w is not None and w == w] or [1.0]
    x_max = max(max(all_steps), 1)
    y_max = max(all_w1) * 1.05 or 1.0

    def x(step: float) -> float:
        return left + (width - left - right) * step / x_max

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / y_max)

    parts = [f'<svg id="curve" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
             f'data-xmax="{x_max}" data-left="{left}" data-right="{right}" xmlns="http://www.w3.org/2000/svg">',
             f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
             'fill="none" stroke="#bbb"/>']
    for k in range(5):
        value = y_max * k / 4
        parts.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="11" text-anchor="end">'
                     f'{value:.2f}</text>')
        step = x_max * k / 4
        parts.append(f'<text x="{x(step):.1f}" y="{height - bottom + 16}" font-size="11" '
                     f'text-anchor="middle">{step:.0f}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 4}" font-size="12" '
                 'text-anchor="middle">generator step</text>')
    parts.append(f'<text x="14" y="{(top + height - bottom) / 2}" font-size="12" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(top + height - bottom) / 2})">exact W₁</text>')
    for index, (name, (steps, values)) in enumerate(curves.items()):
        colour = COLOURS[index % len(COLOURS)]
        points = " ".join(f"{x(s):.1f},{y(v):.1f}" for s, v in zip(steps, values) if v is not None and v == v)
        parts.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.8"/>')
        for s, v in zip(steps, values):
            if v is not None and v == v:
                parts.append(f'<circle cx="{x(s):.1f}" cy="{y(v):.1f}" r="2.2" fill="{colour}"/>')
        if len(curves) > 1:
            parts.append(f'<text x="{width - right - 6}" y="{top + 14 + 14 * index}" font-size="11" '
                         f'text-anchor="end" fill="{colour}">{html.escape(name)}</text>')
    parts.append(f'<line id="marker" x1="{left}" x2="{left}" y1="{top}" y2="{height - bottom}" '
                 f'stroke="{MARKER_COLOUR}" stroke-width="2" stroke-dasharray="5,4"/>')
    parts.append("</svg>")
    return "\n".join(parts)


_SCRIPT = """
const frames = FRAMES; const steps = STEPS;
const svg = document.getElementById('curve');
const xmax = +svg.dataset.xmax, left = +svg.dataset.left, right = +svg.dataset.right;
const width = +svg.getAttribute('width');
const slider = document.getElementById('slider');
let index = 0, timer = null;
function show(k) {
  index = Math.max(0, Math.min(frames.length - 1, k));
  slider.value = index;
  frames[index].forEach((src, panel) => { document.getElementById('frame' + panel).src = src; });
  const x = left + (width - left - right) * steps[index] / xmax;
  const marker = document.getElementById('marker');
  marker.setAttribute('x1', x); marker.setAttribute('x2', x);
  // the label and the address count alike, from 1
  document.getElementById('label').textContent =
    'frame ' + (index + 1) + ' of ' + frames.length + ' \u00b7 step ' + steps[index];
  history.replaceState(null, '', '#frame=' + (index + 1));
}
function play() {
  if (timer) return;
  document.getElementById('play').textContent = 'pause';
  timer = setInterval(() => { if (index + 1 >= frames.length) { pause(); } else { show(index + 1); } }, 350);
}
function pause() { clearInterval(timer); timer = null; document.getElementById('play').textContent = 'play'; }
function toggle() { if (timer) { pause(); } else { if (index + 1 >= frames.length) show(0); play(); } }
document.getElementById('play').onclick = toggle;
document.getElementById('back').onclick = () => { pause(); show(index - 1); };
document.getElementById('forward').onclick = () => { pause(); show(index + 1); };
slider.oninput = () => { pause(); show(+slider.value); };
document.addEventListener('keydown', (event) => {
  if (event.key === 'ArrowLeft') { event.preventDefault(); pause(); show(index - 1); }
  else if (event.key === 'ArrowRight') { event.preventDefault(); pause(); show(index + 1); }
  else if (event.key === ' ') { event.preventDefault(); toggle(); }
});
function asked() {  // page.html#frame=3 is the third frame
  const k = parseInt((location.hash.match(/frame=(\\d+)/) || [])[1], 10);
  return isNaN(k) ? null : k - 1;
}
window.addEventListener('hashchange', () => {
  const k = asked();
  if (k !== null && k !== index) { pause(); show(k); }
});
const first = asked();
show(first === null ? START : first);
"""


def _page(title: str, panels: Sequence[str], frames: list[list[str]], steps: list[int], svg: str,
          note: str, start: int) -> str:
    images = "\n".join(f'<img id="frame{k}" alt="{html.escape(name)}" title="{html.escape(name)}">'
                       for k, name in enumerate(panels))
    script = (_SCRIPT.replace("FRAMES", json.dumps(frames)).replace("STEPS", json.dumps(steps))
              .replace("START", str(start)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 1.2em; color: #222; }}
.frames img {{ width: min(100%, 720px); height: auto; border: 1px solid #ddd; margin: 2px; }}
.controls {{ margin: .6em 0; display: flex; gap: .5em; align-items: center; }}
.controls input[type=range] {{ width: 24em; }}
button {{ font-size: 1em; padding: .2em .8em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p>{note}</p>
<div class="controls"><button id="back">&#9664; step</button><button id="play">play</button>
<button id="forward">step &#9654;</button>
<input type="range" id="slider" min="0" max="{len(frames) - 1}" value="{start}"><span id="label"></span></div>
<div class="frames">{images}</div>
{svg}
<script>{script}</script>
</body></html>
"""


def _history_curve(history: Any) -> tuple[list[float], list[float]]:
    columns = history.as_dict() if hasattr(history, "as_dict") else history
    return list(columns["step"]), list(columns["w1_exact"])


def write_training_page(path: str | os.PathLike, frames: Sequence[Any], history: Any, title: str,
                        start: int | None = None) -> Path:
    """``training.html``: the frames (the recorder's, or PNG files named frame_<step>.png) with the
    player and the W₁ curve of ``history`` (a History or its columns). ``start``: the frame shown
    first, counting from 0 (default the last)."""
    pairs = _frames(frames)
    path = Path(path)
    note = ("Samples (blue: generated, orange: real) over the critic's values (colour bar beside them); "
            "green arrows show where the generator's next steps push its points. Below: the exact W₁ over "
            "the whole run, the grey dashed line at the frame's step. Keys: ← → step, space plays.")
    text = _page(title, [title], [[_data_uri(png)] for _, png in pairs], [step for step, _ in pairs],
                 _curve_svg({"exact W₁": _history_curve(history)}), note,
                 len(pairs) - 1 if start is None else start)
    path.write_text(text, encoding="utf-8")
    return path


def write_compare_page(path: str | os.PathLike, frames: Sequence[Any], histories: Mapping[str, Any],
                       title: str, start: int | None = None) -> Path:
    """``compare.html``: grid frames (one per step showing every run at that step; the recorder's or
    PNG files) under one slider, and every run's W₁ curve on one plot with a marker at the step."""
    pairs = _frames(frames)
    path = Path(path)
    note = ("The same seed, the same data, the same step in every panel; blue: generated, orange: real. "
            "Below: each method's exact W₁, the grey dashed line at the frame's step. Keys: ← → step, "
            "space plays.")
    curves = {name: _history_curve(history) for name, history in histories.items()}
    text = _page(title, [title], [[_data_uri(png)] for _, png in pairs], [step for step, _ in pairs],
                 _curve_svg(curves), note, len(pairs) - 1 if start is None else start)
    path.write_text(text, encoding="utf-8")
    return path
