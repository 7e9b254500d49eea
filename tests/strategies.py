"""Hypothesis strategies shared by the distance tests."""

import numpy as np
from hypothesis import strategies as st

finite = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False, allow_subnormal=False)
mass = st.floats(0.0, 10.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def histogram_pairs(draw, min_bins=1, max_bins=16):
    """Two probability vectors of one random length (each with some mass)."""
    k = draw(st.integers(min_bins, max_bins))
    p = np.array(draw(st.lists(mass, min_size=k, max_size=k)))
    q = np.array(draw(st.lists(mass, min_size=k, max_size=k)))
    if p.sum() == 0:
        p[draw(st.integers(0, k - 1))] = 1.0
    if q.sum() == 0:
        q[draw(st.integers(0, k - 1))] = 1.0
    return p / p.sum(), q / q.sum()
