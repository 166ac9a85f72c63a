"""Each claim's verdict on a run whose measurements are known."""

from __future__ import annotations

import pytest
import synthetic_run as S

from showdown.analysis import claims
from showdown.errors import ConfigError
from showdown.store import Store


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory):
    store, run_id = S.build(tmp_path_factory.mktemp("claims") / "db.sqlite")
    return {v.id: v for v in claims.evaluate(store, run_id)}


def test_every_claim_is_judged(verdicts):
    assert list(verdicts) == [f"C{i}" for i in range(1, 13)]
    for v in verdicts.values():
        assert v.verdict in ("supported", "refuted", "inconclusive", "no data")
        assert v.to_dict()["id"] == v.id


def test_c1_cnn_training_speed(verdicts):
    v = verdicts["C1"]
    assert v.verdict == "supported"
    assert v.ratio == pytest.approx(1.69, rel=0.03) and v.ci_low <= v.ratio <= v.ci_high
    assert "torch 1.6" in v.effect or "torch 1.7" in v.effect
    assert any("more than the claimed 25%" in n for n in v.notes)


def test_small_batch_claims_are_mirror_images(verdicts):
    assert verdicts["C2"].verdict == "supported" and verdicts["C2"].ratio == pytest.approx(2.0, rel=0.03)
    assert verdicts["C3"].verdict == "refuted"
    assert any("fixed cost per call" in n for n in verdicts["C3"].notes)


def test_missing_data_names_the_command(verdicts):
    v = verdicts["C4"]
    assert v.verdict == "no data" and v.missing == "showdown run --frameworks torch tensorflow --scenarios dynamic"
    # the Keras claims name the contenders that would measure them
    assert verdicts["C11"].verdict == "no data" and verdicts["C11"].missing.startswith("showdown run --frameworks keras-torch torch keras-jax jax ")


def test_memory_claim_uses_each_cells_peak(verdicts):
    v = verdicts["C5"]
    assert v.verdict == "refuted" and v.ratio == pytest.approx(0.6, rel=0.01)
    assert len(v.findings) == 6 and all("MB above baseline" in f.detail for f in v.findings)
    assert "right after import is torch 219 MB, tensorflow 618 MB" in " ".join(v.notes)


def test_edge_runtime_claim(verdicts):
    v = verdicts["C6"]
    assert v.verdict == "supported"
    by = {f.condition: f for f in v.findings}
    assert by["runtime installed size"].ratio == pytest.approx(852 / 58)
    assert by["mlp latency at batch 1"].outcome == "holds"
    assert "cnn artifact size" not in by  # executorch failed to export the cnn


def test_error_message_claim(verdicts):
    v = verdicts["C7"]
    assert v.verdict == "refuted"
    assert [f.condition for f in v.findings] == ["torch eager vs tensorflow eager", "torch compiled vs tensorflow function"]
    assert "tensorflow on 6" in v.findings[0].detail


def test_deployment_claims(verdicts):
    c8 = verdicts["C8"]
    assert c8.effect == "tensorflow 4/4 verified vs torch 3/4" and c8.verdict == "inconclusive"
    assert any("export failed" in n for n in c8.notes)
    c9 = verdicts["C9"]
    assert c9.verdict == "supported" and len(c9.findings) == 4


def test_eager_claim(verdicts):
    v = verdicts["C10"]
    assert v.verdict == "refuted" and v.ratio < 0.2


def test_only_and_unknown_claim(tmp_path):
    store, run_id = S.build(tmp_path / "db.sqlite")
    assert [v.id for v in claims.evaluate(store, run_id, ["c2"])] == ["C2"]
    with pytest.raises(ConfigError, match="unknown claim 'C99'"):
        claims.evaluate(store, run_id, ["C99"])


def test_empty_run_has_no_data_everywhere(tmp_path):
    from showdown.runner import execute as X
    from showdown.runner import plan as P

    store = Store.open(tmp_path / "db.sqlite")
    run_id = X.start(store, P.suite("quick", workloads=("mlp",), scenarios=("train",), rounds=0, threads=2), [])
    vs = claims.evaluate(store, run_id)
    assert {v.verdict for v in vs} == {"no data"} and all(v.missing for v in vs)


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    store, run_id = S.build(tmp_path_factory.mktemp("five") / "db.sqlite", frameworks=S.CONTENDERS)
    return store, run_id, {v.id: v for v in claims.evaluate(store, run_id)}


def test_keras_cost_is_judged_per_backend(five):
    v = five[2]["C11"]
    # Keras on JAX is within the margin of native JAX (holds), Keras on torch 2-3× slower than torch (fails)
    outcomes = {(f.condition.split(": ")[1].split(" ")[0], f.outcome) for f in v.findings}
    assert outcomes == {("keras-jax", "holds"), ("keras-torch", "fails")}
    assert v.verdict == "refuted"  # 6 conditions hold (JAX), 12 fail (torch, two Keras modes)
    per_backend = [n for n in v.notes if n.startswith("Keras's cost")]
    assert len(per_backend) == 2 and "keras-torch 2.6" in per_backend[0] and "keras-jax 1.05× slower" in per_backend[1]


def test_keras_on_jax_against_the_other_backends(five):
    v = five[2]["C12"]
    assert v.verdict == "supported"
    assert {f.condition.rsplit(" vs ", 1)[1].split(" ")[0] for f in v.findings} == {"keras-torch", "tensorflow"}
    assert any("not for: infer cnn default bs32: keras-jax jit vs tensorflow function" in c for c in v.conditions)


def test_torch_and_tensorflow_claims_ignore_other_contenders(five, verdicts):
    for cid in ("C1", "C2", "C3", "C5", "C10"):
        assert five[2][cid].verdict == verdicts[cid].verdict
        assert all("jax" not in f.condition and "keras" not in f.condition for f in five[2][cid].findings)


def test_a_claim_is_data_over_any_pair(five):
    store, run_id, _ = five
    mine = claims.Claim("X1", "Native JAX trains CNNs faster than PyTorch.", (("jax", "torch"),), claims.c1_train_cnn, subject="jax")
    (v,) = claims.evaluate(store, run_id, claims=(mine,))
    # same step time (10 ms each): no practical difference
    assert v.id == "X1" and v.verdict == "refuted" and {f.outcome for f in v.findings} == {"equal"}
    assert v.findings[0].condition.endswith("jax jit vs torch eager")
    flipped = claims.Claim("X2", "PyTorch trains CNNs faster than Keras on torch does.", (("keras-torch", "torch"),), claims.c1_train_cnn, favours=1, subject="torch")
    (w,) = claims.evaluate(store, run_id, claims=(flipped,))
    assert w.verdict == "supported" and w.ratio > 1.9
