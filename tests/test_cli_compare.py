"""``minigan compare``: four methods from one seed, one grid animation, one page, one table."""

import json

import pytest

from minigan import cli
from minigan.cli.compare import METHODS

TINY = ["--hidden", "8,8", "--batch-size", "16", "--log-every", "2", "--metric-samples", "40", "--steps", "4",
        "--snapshot-every", "2", "--no-progress"]


def test_compare_writes_the_grid_page_curves_and_table(tmp_path, capsys):
    out = tmp_path / "cmp"
    assert cli.main(["compare", "--data", "8gaussians", "--out", str(out), *TINY]) == 0
    printed = capsys.readouterr().out
    for name in METHODS:
        assert f"| {name} |" in printed
        config = json.loads((out / name.lower() / "config.json").read_text())
        assert (config["loss"], config["lipschitz"]) == METHODS[name]
        assert (config["seed"], config["preset"], config["steps"]) == (0, "quick", 4)  # the same for all four
    table = (out / "summary.md").read_text()
    assert table.splitlines()[0] == "| method | final exact W₁ | modes covered | wall time (s) |"
    assert len([line for line in table.splitlines() if line.startswith("|")]) == 2 + len(METHODS)
    # 4 steps cover few modes: each short method gets its one-line note, saying what would do better
    assert all(line.startswith(tuple(METHODS)) and "--preset paper" in line
               for line in table.splitlines()[2 + len(METHODS):] if line)
    assert "/8 |" in table
    assert (out / "compare.gif").read_bytes()[:6] == b"GIF89a"
    from PIL import Image

    with Image.open(out / "compare.gif") as gif:
        assert gif.n_frames == 3  # steps 0, 2, 4
    page = (out / "compare.html").read_text()
    assert page.count("data:image/png;base64,") == 3 and "https://" not in page
    assert page.count("<polyline") == len(METHODS)  # one W₁ curve per method, one slider
    assert page.count('type="range"') == 1
    assert (out / "w1_curves.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("arguments, needle", [(["--out", ""], "--out"), (["--snapshot-every", "0"],
                                                                           "--snapshot-every")])
def test_compare_refuses_bad_input_in_one_line(tmp_path, capsys, arguments, needle):
    try:
        status = cli.main(["compare", *(["--out", str(tmp_path / "x")] if "--out" not in arguments else []),
                           *arguments])
    except SystemExit as exit_:
        status = exit_.code
    assert status == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err
