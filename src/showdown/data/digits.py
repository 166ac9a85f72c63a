"""scikit-learn's bundled handwritten digits (1,797 images of 8×8 pixels, 10 classes).

The data ships inside scikit-learn, so nothing is downloaded. The split is fixed: 25 % test,
stratified, with a fixed seed, so every framework and every run sees the same examples. It is
scikit-learn's own split, stored with this module, so that reading it imports no scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from showdown.errors import unknown
from showdown.models.spec import Shape

TEST_FRACTION = 0.25
SPLIT_SEED = 20240611
NUM_CLASSES = 10

# How each workload sees one digit: a flat vector, an NHWC image, or 8 steps of 8 features.
SHAPES: dict[str, Shape] = {
    "mlp": (64,),
    "cnn": (8, 8, 1),
    "lstm": (8, 8),
    "transformer": (8, 8),
}


@dataclass(frozen=True)
class Split:
    """A fixed train/test split, inputs scaled to [0, 1] and shaped for one workload."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def input_shape(workload: str) -> Shape:
    """The input shape (no batch axis) that ``workload`` uses on digits."""
    if workload not in SHAPES:
        raise unknown("workload", workload, SHAPES)
    return SHAPES[workload]


@lru_cache(maxsize=1)
def _flat() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = raw()
    x = (x / 16.0).astype(np.float32)
    train, test = split_indices()
    return x[train], x[test], y[train], y[test]


def raw() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as scikit-learn ships them: pixel values 0–16 (n, 64) and labels (n,).

    Read from scikit-learn's bundled CSV without importing scikit-learn (whose import takes about
    1.4 s of every process that trains or verifies on digits); through ``load_digits`` when the
    file is not where scikit-learn keeps it.
    """
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("sklearn")  # finds the package without running it
    where = [Path(p) / "datasets" / "data" / "digits.csv.gz" for p in (spec.submodule_search_locations or [])] if spec else []
    found = next((p for p in where if p.is_file()), None)
    if found is None:
        from sklearn.datasets import load_digits

        data = load_digits()
        return data.data.astype(np.int64), data.target.astype(np.int64)
    table = np.loadtxt(found, delimiter=",", dtype=np.int64)
    return table[:, :-1], table[:, -1]


def split_indices() -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the fixed split, train then test, in the order they are used.

    They are scikit-learn's ``train_test_split(test_size=TEST_FRACTION, random_state=SPLIT_SEED,
    stratify=labels)``, stored in ``digits_split.json`` beside this module.
    """
    import json
    from pathlib import Path

    stored = json.loads((Path(__file__).with_name("digits_split.json")).read_text())
    return np.asarray(stored["train"], dtype=np.int64), np.asarray(stored["test"], dtype=np.int64)


def load(workload: str) -> Split:
    """The digits split shaped for ``workload``.

    Args:
        workload: One of ``mlp``, ``cnn``, ``lstm``, ``transformer``.

    Returns:
        The split; 1,347 training and 450 test examples.
    """
    shape = input_shape(workload)
    x_train, x_test, y_train, y_test = _flat()
    return Split(x_train.reshape(-1, *shape), y_train, x_test.reshape(-1, *shape), y_test)
