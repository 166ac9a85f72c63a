from __future__ import annotations

import numpy as np
import pytest

from showdown.errors import ConfigError
from showdown.models import spec as S
from showdown.models import zoo


def test_shapes_are_inferred_through_the_network():
    spec = zoo.build("cnn", "default")
    assert spec.input_shape == (32, 32, 3)
    conv = next(p for p in spec.params() if p.name == "s1b0.conv1.kernel")
    assert conv.shape == (3, 3, 16, 32)  # HWIO, stage 1 doubles the stem's 16 channels
    down = next(p for p in spec.params() if p.name == "s1b0.down.kernel")
    assert down.shape == (1, 1, 16, 32)


def test_lstm_and_attention_params_use_canonical_layout():
    lstm = {p.name: p.shape for p in zoo.build("lstm", "tiny").params()}
    assert lstm["lstm.0.kernel"] == (8, 64) and lstm["lstm.1.kernel"] == (16, 64)
    assert lstm["lstm.0.recurrent_kernel"] == (16, 64) and lstm["lstm.0.bias"] == (64,)
    tr = {p.name: p.shape for p in zoo.build("transformer", "tiny").params()}
    assert tr["block0.attn.wq"] == (16, 16) and tr["pos.table"] == (8, 16)
    assert "block0.attn.bq" not in tr


def test_weights_are_seeded_and_float32():
    spec = zoo.build("transformer", "tiny")
    a, b, c = S.init_weights(spec, 1), S.init_weights(spec, 1), S.init_weights(spec, 2)
    assert all(v.dtype == np.float32 for v in a.values())
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["head.kernel"], c["head.kernel"])
    assert np.all(a["stem_bn.moving_var"] > 0) if "stem_bn.moving_var" in a else True


def test_biases_are_not_zero_so_misplaced_ones_show():
    w = S.init_weights(zoo.build("cnn", "tiny"), 0)
    assert np.std(w["stem_bn.beta"]) > 0 and np.all(w["stem_bn.moving_var"] > 0)


def test_layers_must_end_in_the_class_count():
    with pytest.raises(ConfigError, match=r"layers end in shape \(5,\), expected \(10,\)"):
        S.ModelSpec("mlp", "x", (4,), 10, (S.Dense("d", 5),))


def test_residual_shapes_must_agree():
    bad = S.Residual("r", (S.Conv2d("c", 8, 3, 2, 1),))
    with pytest.raises(ConfigError, match="residual 'r'"):
        bad.output_shape((8, 8, 4))


def test_unknown_activation_is_named():
    with pytest.raises(ConfigError, match="unknown activation 'swish'"):
        S.Dense("d", 3, "swish")


def test_without_dropout_zeroes_every_rate():
    spec = zoo.build("transformer", "tiny")
    assert {b.dropout for b in spec.walk() if isinstance(b, S.TransformerBlock)} == {0.1}
    assert {b.dropout for b in spec.without_dropout().walk() if isinstance(b, S.TransformerBlock)} == {0.0}
