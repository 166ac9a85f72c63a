"""The round schedule: comparisons from sides, a random block order per round, AB then BA, reproducible."""

from __future__ import annotations

import pytest

from showdown.errors import ConfigError
from showdown.runner import plan as P
from showdown.runner.schedule import DYNAMIC_REPEATS, comparisons, process_of, round_key, round_order, round_overrides, split_key


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
        assert sides[c.a].framework == "tensorflow" and sides[c.b].framework == "torch"
        assert {sides[c.a].batch_size, sides[c.a].workload} == {sides[c.b].batch_size, sides[c.b].workload}
    assert P.suite("quick", rounds=0, threads=2).sides() == {}


def test_round_order_alternates_rotates_and_is_random_but_reproducible():
    sides = _sides()
    wanted = list(sides)
    r1, r2, r3 = (round_order(sides, wanted, r, seed=42) for r in (1, 2, 3))
    flat = [sorted(k for parts in r for k in parts) for r in (r1, r2)]
    assert flat[0] == sorted(wanted) == flat[1]
    assert r1 == round_order(sides, wanted, 1, seed=42)  # a resumed run recomputes the same order
    assert len({tuple(map(tuple, round_order(sides, wanted, 1, seed=s))) for s in range(10)}) == 2  # two blocks: both orders drawn
    # one process per framework and workload, holding its training and inference sides
    assert len(r1) == 2 * 2 and all(len({k.split("/")[i] for k in parts for i in (1, 2)}) == 2 for parts in r1)
    assert sorted(len(parts) for parts in r1) == [3, 3, 6, 6]

    def by_block(order):
        pairs = [order[i : i + 2] for i in range(0, len(order), 2)]
        return {pair[0][0].split("/")[2]: [parts[0].split("/")[1] for parts in pair] for pair in pairs}

    b1, b2 = by_block(r1), by_block(r2)
    assert len(b1) == 2 and all(b2[w] == b1[w][::-1] for w in b1)  # each workload's processes back to back: AB, then BA
    rotations = {w: [next(p for p in order if p[0].split("/")[2] == w and "/tensorflow/" in p[0]) for order in (r1, r2, r3)] for w in b1}
    for first, second, third in rotations.values():  # a process's parts rotate by one each round
        assert second == first[1:] + first[:1] and third == second[1:] + second[:1]
        assert "/function/" in first[0] and first[0].startswith("train/")  # the default mode first in round 1: it reads memory
    orders = {tuple(parts[0].split("/")[2] for parts in round_order(sides, wanted, r, seed=42)[::2]) for r in range(1, 9)}
    assert len(orders) == 2  # the blocks' order is drawn afresh each round


def test_round_order_runs_only_wanted_sides():
    sides = _sides()
    comp = comparisons(sides)[0]
    order = round_order(sides, [comp.a, comp.b], 3, seed=1)
    assert sorted(k for parts in order for k in parts) == sorted([comp.a, comp.b]) and all(len(parts) == 1 for parts in order)


def test_round_keys():
    assert round_key("train/torch/mlp/default/eager/bs32", 3) == "train/torch/mlp/default/eager/bs32/r3"
    assert split_key("train/torch/mlp/default/eager/bs32/r12") == ("train/torch/mlp/default/eager/bs32", 12)
    assert split_key("coldstart/torch/mlp/default/eager") == ("coldstart/torch/mlp/default/eager", None)


@pytest.mark.parametrize("rounds", [1, 3, -1, True])
def test_too_few_rounds_are_refused(rounds):
    with pytest.raises(ConfigError, match=r"rounds must be 0 \(no rounds\) or at least 4, got"):
        P.suite("quick", rounds=rounds)


def test_varying_shapes_run_in_a_process_of_their_own_with_fewer_fresh_passes():
    sides = P.suite("quick", scenarios=("dynamic", "train"), rounds=6, threads=2, modes=("eager", "function")).sides()
    dyn = {k: c for k, c in sides.items() if c.scenario == "dynamic"}
    assert sorted(dyn) == ["dynamic/tensorflow/cnn/default/eager", "dynamic/tensorflow/cnn/default/function", "dynamic/torch/cnn/default/eager"]
    assert len(comparisons(dyn)) == 2  # torch eager against each TensorFlow mode
    for key, config in dyn.items():  # a process of its own: its reset would reach into a shared process's other parts
        assert process_of(key, config) == key and round_overrides(config, 4) == {"repeats": DYNAMIC_REPEATS}
    assert sorted(p for p in round_order(sides, list(sides), 2, seed=1) if p[0] in dyn) == [[k] for k in sorted(dyn)]


def test_time_to_accuracy_trains_a_seed_of_its_own_each_round_in_a_process_of_its_own():
    sides = P.suite("quick", scenarios=("accuracy", "train"), rounds=6, threads=2).sides()
    acc = {k: c for k, c in sides.items() if c.scenario == "accuracy"}
    assert sorted(acc) == ["accuracy/tensorflow/cnn/default/function", "accuracy/torch/cnn/default/eager"]
    assert [c.condition for c in comparisons(acc)] == ["accuracy/cnn/default/bs32"]
    for key, config in acc.items():
        assert process_of(key, config) == key  # not a part of the steady process
        assert [round_overrides(config, r) for r in (1, 2, 13)] == [{"seeds": (0,)}, {"seeds": (1,)}, {"seeds": (12,)}]
    cold = P.suite("quick", scenarios=("coldstart",), rounds=6, threads=2).sides()
    assert {round_overrides(c, 3)["repeats"] for c in cold.values()} == {1}  # a cold start's round starts one fresh interpreter
    order = round_order(sides, list(sides), 1, seed=0)
    assert sorted(p for p in order if p[0] in acc) == [[k] for k in sorted(acc)]  # each alone, once a round
