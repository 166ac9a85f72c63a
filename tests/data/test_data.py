from __future__ import annotations

import numpy as np
import pytest

from showdown.data import digits, synthetic
from showdown.errors import ConfigError
from showdown.models import zoo


def test_digits_split_is_fixed_and_stratified():
    a, b = digits.load("mlp"), digits.load("mlp")
    assert a.x_train.shape == (1347, 64) and a.x_test.shape == (450, 64)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    counts = np.bincount(a.y_test, minlength=10)
    assert counts.min() >= 43 and counts.max() <= 47
    assert 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0 and a.x_train.dtype == np.float32


def test_the_stored_split_is_scikit_learns_and_reading_it_imports_no_scikit_learn():
    import subprocess
    import sys

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x, y = digits.raw()
    np.testing.assert_array_equal(x, data.data)
    np.testing.assert_array_equal(y, data.target)
    train, test = train_test_split(np.arange(len(y)), test_size=digits.TEST_FRACTION, random_state=digits.SPLIT_SEED, stratify=y)
    stored = digits.split_indices()
    np.testing.assert_array_equal(stored[0], train)
    np.testing.assert_array_equal(stored[1], test)
    np.testing.assert_array_equal(digits.load("mlp").x_test, (data.data[test] / 16.0).astype(np.float32))
    code = "import sys; from showdown.data import digits; digits.load('cnn'); print(sorted(m for m in sys.modules if m.startswith('sklearn')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("workload", zoo.WORKLOADS)
def test_digits_fit_every_workload(workload):
    split = digits.load(workload)
    spec = zoo.build(workload, "tiny", input_shape=digits.input_shape(workload))
    assert split.x_train.shape[1:] == spec.input_shape
    # the same examples in every shape
    np.testing.assert_array_equal(split.x_test.reshape(450, -1), digits.load("mlp").x_test)


def test_unknown_workload_for_digits():
    with pytest.raises(ConfigError, match="unknown workload 'gan'"):
        digits.input_shape("gan")


def test_synthetic_batches_are_seeded():
    spec = zoo.build("cnn", "tiny")
    x1, y1 = synthetic.batch(spec, 5, 3)
    x2, y2 = synthetic.batch(spec, 5, 3)
    assert x1.shape == (5, 8, 8, 1) and x1.dtype == np.float32 and y1.dtype == np.int64
    np.testing.assert_array_equal(x1, x2)
    assert y1.max() < 10
    assert not np.array_equal(synthetic.batches(spec, 5, 2)[0][0], synthetic.batches(spec, 5, 2)[1][0])
