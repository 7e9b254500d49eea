"""The README's code must run as printed."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.S).group(1).splitlines()
    assert first_block[0].startswith("bash scripts/tour.sh")
    assert first_block[1].startswith("bash scripts/test.sh")
    ci = (README.parent / ".ci" / "run").read_text()
    assert "scripts/test.sh" in ci


def test_readme_python_examples_run(capsys):
    blocks = python_blocks()
    assert blocks, "the README should show Python code"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})
    printed = capsys.readouterr().out
    assert printed.strip(), "the double-backprop example prints its result"


def test_readme_penalty_has_a_finite_gradient_where_the_critic_is_flat():
    """∇ₓD(x̂) = 0 (a flat critic, dead ReLUs): the README's penalty line must not put NaN
    into the weights through √ at 0."""
    import numpy as np

    import minigan as mg

    (line,) = [ln for block in python_blocks() for ln in block.splitlines() if ln.startswith("penalty = ")]
    grad_x = mg.tensor(np.zeros((8, 2)), requires_grad=True)
    namespace = {"mg": mg, "grad_x": grad_x}
    exec(line, namespace)
    namespace["penalty"].backward()
    assert np.isfinite(grad_x.grad.numpy()).all()
    assert np.isclose(namespace["penalty"].item(), 1.0)  # (0 − 1)², the eps changes it by ~1e-6
