"""scikit-learn's bundled handwritten digits (1,797 images of 8×8 pixels, 10 classes).

The data ships inside scikit-learn, so nothing is downloaded. The split is fixed: 25 % test,
stratified, with a fixed seed, so every framework and every run sees the same examples.
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
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    data = load_digits()
    x = (data.data / 16.0).astype(np.float32)
    y = data.target.astype(np.int64)
    return tuple(train_test_split(x, y, test_size=TEST_FRACTION, random_state=SPLIT_SEED, stratify=y))  # type: ignore[return-value]


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
