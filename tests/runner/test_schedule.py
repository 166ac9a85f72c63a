"""The round schedule: comparisons from sides, a random block order per round, AB then BA, reproducible."""

from __future__ import annotations

import pytest

from showdown.errors import ConfigError
from showdown.runner import plan as P
from showdown.runner.schedule import comparisons, round_key, round_order, split_key


def _sides():
    return P.suite("quick", workloads=("mlp", "cnn"), scenarios=("train", "infer"), rounds=6, threads=2).sides()


def test_sides_and_comparisons_of_a_plan_in_rounds():
    sides = _sides()
    plan = P.suite("quick", workloads=("mlp", "cnn"), scenarios=("train", "infer"), rounds=6, threads=2)
    assert not [k for k, _ in plan.cells() if k.startswith(("train/", "infer/"))]  # made round by round instead
    assert "train/torch/cnn/default/eager/bs32" in sides and len(sides) == 3 * 2 * 3  # 3 sides x 2 workloads x (train + 2 infer sizes)
    comps = comparisons(sides)
    assert len(comps) == 2 * 2 * 3  # torch eager against each TensorFlow mode, per condition
    for c in comps:
        assert sides[c.a]["framework"] == "tensorflow" and sides[c.b]["framework"] == "torch"
        assert {sides[c.a]["batch_size"], sides[c.a]["workload"]} == {sides[c.b]["batch_size"], sides[c.b]["workload"]}
    assert P.suite("quick", threads=2).sides() == {}


def test_round_order_alternates_and_is_random_but_reproducible():
    sides = _sides()
    wanted = list(sides)
    r1, r2, r3 = (round_order(sides, wanted, r, seed=42) for r in (1, 2, 3))
    assert sorted(r1) == sorted(wanted) == sorted(r2)
    assert r1 == round_order(sides, wanted, 1, seed=42)  # a resumed run recomputes the same order
    assert r1 != round_order(sides, wanted, 1, seed=43)

    def blocks(order):
        out = []
        for k in order:
            cond = "/".join(k.split("/")[i] for i in (0, 2, 3, 5))
            if not out or out[-1][0] != cond:
                out.append((cond, []))
            out[-1][1].append(k)
        return out

    b1, b2 = dict(blocks(r1)), dict(blocks(r2))
    assert len(blocks(r1)) == len(b1) == 6  # each condition's sides run back to back
    assert all(b2[c] == b1[c][::-1] for c in b1)  # AB, then BA
    orders = {tuple(c for c, _ in blocks(round_order(sides, wanted, r, seed=42))) for r in range(1, 9)}
    assert len(orders) > 4  # the blocks' order is drawn afresh each round


def test_round_order_runs_only_wanted_sides():
    sides = _sides()
    comp = comparisons(sides)[0]
    assert sorted(round_order(sides, [comp.a, comp.b], 3, seed=1)) == sorted([comp.a, comp.b])


def test_round_keys():
    assert round_key("train/torch/mlp/default/eager/bs32", 3) == "train/torch/mlp/default/eager/bs32/r3"
    assert split_key("train/torch/mlp/default/eager/bs32/r12") == ("train/torch/mlp/default/eager/bs32", 12)
    assert split_key("coldstart/torch/mlp/default/eager") == ("coldstart/torch/mlp/default/eager", None)


@pytest.mark.parametrize("rounds", [1, 3, -1, True])
def test_too_few_rounds_are_refused(rounds):
    with pytest.raises(ConfigError, match=r"rounds must be 0 \(no rounds\) or at least 4, got"):
        P.suite("quick", rounds=rounds)
