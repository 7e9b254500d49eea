"""minigan.gan.classifier: stable log-softmax / cross-entropy (SciPy and finite differences as
references), the digit classifier (≥ 95 % held out, cached), and the mode count (hand-derived JS)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.special
from hypothesis import given
from hypothesis import strategies as st

import minigan as mg
from minigan.gan import classifier as C

try:
    import sklearn  # noqa: F401
except ImportError:
    sklearn = None

needs_sklearn = pytest.mark.skipif(sklearn is None, reason="scikit-learn missing: pip install -e '.[digits]'")


def _tensor64(values, requires_grad=False):
    return mg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad, dtype="float64")


# ---------------------------------------------------------------------------------- the loss
@given(st.integers(1, 6), st.integers(1, 5), st.floats(0.1, 2000.0), st.integers(0, 2**31))
def test_log_softmax_matches_scipy_even_for_huge_logits(n, k, scale, seed):
    logits = np.random.default_rng(seed).normal(size=(n, k)) * scale  # up to ~±8000: exp would overflow
    result = C.log_softmax(_tensor64(logits)).numpy()
    expected = scipy.special.log_softmax(logits, axis=1)
    assert np.isfinite(result).all()
    np.testing.assert_allclose(result, expected, rtol=1e-12, atol=1e-12 * scale)


def test_cross_entropy_matches_the_definition():
    rng = np.random.default_rng(0)
    logits, labels = rng.normal(size=(7, 10)) * 3, rng.integers(0, 10, size=7)
    expected = -np.mean(scipy.special.log_softmax(logits, axis=1)[np.arange(7), labels])
    assert C.cross_entropy(_tensor64(logits), labels).item() == pytest.approx(expected, rel=1e-12)
    # a logit of 1000 on the right class costs nothing, on a wrong class costs 1000 (no inf, no NaN)
    big = np.array([[1000.0, 0.0, -1000.0]])
    assert C.cross_entropy(_tensor64(big), np.array([0])).item() == pytest.approx(math.log1p(math.exp(-1000.0)))
    assert C.cross_entropy(_tensor64(big), np.array([1])).item() == pytest.approx(1000.0, rel=1e-12)


def test_cross_entropy_gradients_against_finite_differences():
    rng = np.random.default_rng(1)
    logits = _tensor64(rng.normal(size=(5, 4)) * 2, requires_grad=True)
    labels = np.array([0, 3, 1, 1, 2])
    assert mg.gradcheck(lambda a: C.cross_entropy(a, labels), [logits])
    assert mg.gradgradcheck(lambda a: C.cross_entropy(a, labels), [logits])
    # far from 0, where the max-shift matters: still the right derivative
    shifted = _tensor64(rng.normal(size=(3, 4)) + 500.0, requires_grad=True)
    assert mg.gradcheck(lambda a: C.cross_entropy(a, labels[:3]), [shifted])
    # and the gradient is the textbook one: (softmax(a) − onehot(y)) / n
    (gradient,) = mg.grad(C.cross_entropy(logits, labels), [logits])
    expected = (scipy.special.softmax(logits.numpy(), axis=1) - np.eye(4)[labels]) / 5
    np.testing.assert_allclose(gradient.numpy(), expected, rtol=1e-10, atol=1e-14)


def test_cross_entropy_through_a_network_against_finite_differences():
    mg.manual_seed(3)
    network = mg.nn.MLP([6, 5, 3], activation="relu", dtype="float64")
    x = _tensor64(np.random.default_rng(2).normal(size=(4, 6)))
    labels = np.array([2, 0, 1, 2])
    parameters = list(network.parameters())
    assert mg.gradcheck(lambda *ps: C.cross_entropy(network(x), labels), parameters)


@pytest.mark.parametrize(
    "logits, labels, message",
    [
        (np.zeros((3, 4)), np.array([0, 1]), r"expected shape \(3,\), got \(2,\)"),
        (np.zeros((2, 4)), np.array([0, 4]), r"\[0, 4\).*0 to 4"),
        (np.zeros((2, 4)), np.array([0.0, 1.0]), "integers"),
        (np.zeros(4), np.array([0]), r"shape \(n, K\).*\(4,\)"),
    ],
)
def test_bad_labels_and_logits(logits, labels, message):
    with pytest.raises(ValueError, match=message):
        C.cross_entropy(_tensor64(logits), labels)


# ------------------------------------------------------------------------------ augmentation
def test_shift_images_moves_each_digit_by_one_pixel_with_blank_fill():
    image = np.arange(64, dtype=np.float64).reshape(1, 64) / 63.0
    moved = C.shift_images(np.repeat(image, 200, axis=0), np.random.default_rng(0)).reshape(-1, 8, 8)
    source = image.reshape(8, 8)
    seen = set()
    for picture in moved:
        matches = []
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                expected = np.full((8, 8), -1.0)
                # output pixel (r, c) shows input pixel (r + dy, c + dx) where that exists
                rows = slice(max(0, -dy), 8 - max(0, dy))
                cols = slice(max(0, -dx), 8 - max(0, dx))
                expected[rows, cols] = source[max(0, dy):8 + min(0, dy), max(0, dx):8 + min(0, dx)]
                if np.array_equal(picture, expected):
                    matches.append((dy, dx))
        assert len(matches) == 1
        seen.add(matches[0])
    assert len(seen) == 9  # all nine shifts occur among 200 draws


# ---------------------------------------------------------------------------- the classifier
@needs_sklearn
def test_classifier_reaches_95_percent_held_out_and_is_cached(tmp_path, monkeypatch):
    data = mg.gan.data.digits()
    before = mg.backend.get_rng_state()
    model = C.load_or_train_digit_classifier(tmp_path)
    assert mg.backend.get_rng_state() == before  # the caller's random stream is untouched
    assert model.held_out_accuracy >= 0.95
    assert model.accuracy(data.held_out, data.held_out_labels) == model.held_out_accuracy
    assert (tmp_path / C.CLASSIFIER_FILE).is_file()
    with np.load(tmp_path / C.CLASSIFIER_FILE, allow_pickle=False) as archive:
        assert "network.0.weight" in archive.files and archive["network.0.weight"].shape == (256, 64)

    def no_training(**_):
        raise AssertionError("the cached classifier should have been loaded, not retrained")

    monkeypatch.setattr(C, "train_digit_classifier", no_training)
    again = C.load_or_train_digit_classifier(tmp_path)
    np.testing.assert_array_equal(again.probabilities(data.held_out), model.probabilities(data.held_out))
    assert again.held_out_accuracy == model.held_out_accuracy
    with pytest.raises(AssertionError, match="retrained"):
        C.load_or_train_digit_classifier(tmp_path, epochs=3)  # other settings: not the cached one


@needs_sklearn
def test_a_damaged_cache_is_replaced(tmp_path):
    (tmp_path / C.CLASSIFIER_FILE).write_bytes(b"not a zip file")
    model = C.load_or_train_digit_classifier(tmp_path, epochs=8, hidden=(32,))
    assert model.held_out_accuracy > 0.3  # trained afresh (8 epochs of a small net: 65 %; chance is 10 %)
    with np.load(tmp_path / C.CLASSIFIER_FILE, allow_pickle=False) as archive:
        assert archive["network.0.weight"].shape == (32, 64)


def test_unknown_settings_are_refused(tmp_path):
    with pytest.raises(TypeError, match="unknown classifier settings: epoch"):
        C.load_or_train_digit_classifier(tmp_path, epoch=3)


# ---------------------------------------------------------------------------- the mode count
class _FixedClassifier:
    """Stands in for the classifier: returns the probabilities it was given."""

    def __init__(self, probabilities):
        self._p = np.asarray(probabilities, dtype=np.float64)

    def probabilities(self, images):
        return self._p


def _confident(classes, confidence=0.95):
    p = np.full((len(classes), 10), (1 - confidence) / 9)
    p[np.arange(len(classes)), classes] = confidence
    return p


def test_mode_count_of_a_collapsed_generator():
    result = C.mode_count(_FixedClassifier(_confident([3] * 2000)), None)
    assert result.modes == 1
    assert result.confident_counts.tolist() == [0, 0, 0, 2000, 0, 0, 0, 0, 0, 0]
    # JS(δ₃ ‖ U): M = (0.55 at 3, 0.05 elsewhere); KL(δ₃‖M) = ln(1/0.55), KL(U‖M) = 0.1 ln(0.1/0.55) + 0.9 ln 2
    expected = 0.5 * math.log(1 / 0.55) + 0.5 * (0.1 * math.log(0.1 / 0.55) + 0.9 * math.log(2))
    assert result.js_from_uniform == pytest.approx(expected, rel=1e-12)
    assert result.confident_fraction == 1.0


def test_mode_count_thresholds():
    # 2000 images: classes 0–4 get 360 each (confident), class 5 gets 99 confident (< 5 % = 100),
    # class 6 gets 1 confident and 100 at confidence 0.8 (not confident)
    classes = [k for k in range(5) for _ in range(360)] + [5] * 99 + [6] * 1
    probabilities = np.concatenate([_confident(classes), _confident([6] * 100, confidence=0.8)])
    result = C.mode_count(_FixedClassifier(probabilities), None)
    assert len(probabilities) == 2000
    assert result.modes == 5
    assert result.class_counts.tolist() == [360] * 5 + [99, 101, 0, 0, 0]
    assert result.confident_counts.tolist() == [360] * 5 + [99, 1, 0, 0, 0]
    histogram = result.class_counts / 2000
    # scipy's jensenshannon is √JS (natural log by default)
    assert result.js_from_uniform == pytest.approx(
        scipy.spatial.distance.jensenshannon(histogram, np.full(10, 0.1)) ** 2, rel=1e-9)
    assert C.mode_count(_FixedClassifier(probabilities), None, min_fraction=0.0495).modes == 6


def test_mode_count_bad_input():
    with pytest.raises(ValueError, match="at least one image"):
        C.mode_count(_FixedClassifier(np.zeros((0, 10))), None)
    with pytest.raises(ValueError, match="confidence and min_fraction"):
        C.mode_count(_FixedClassifier(_confident([1])), None, confidence=1.5)


@needs_sklearn
def test_mode_count_of_the_held_out_digits(tmp_path):
    # real digits: every class is there (46–51 of 500 each, ≈ 10 %) and the histogram is near uniform
    model = C.load_or_train_digit_classifier(tmp_path)
    held_out = mg.gan.data.digits().held_out
    result = C.mode_count(model, held_out)
    assert result.modes == 10
    assert result.js_from_uniform < 0.01
    assert result.confident_fraction > 0.8
