"""The schedule of a run in rounds: which comparisons its sides make, and the order of each round.

A *side* is one (framework, mode) under one condition — scenario, workload, preset, batch size —
and its key is the cell key without a round (``train/torch/cnn/default/eager/bs32``). A
*comparison* is two sides of different frameworks under the same condition.

A round's *process* measures one or more sides: the steady-state sides (training and inference
steps) of one framework and workload share one fresh process, as its *parts*, so the round pays
the framework's import once per workload rather than once per side; a pass over varying shapes, a
cold start and a run to the accuracy target are processes of their own (a varying-shapes process
resets the framework's compiled state, which would reach into the parts after it). The parts of a process run in an order rotated by one each round, so every part is
measured first, second, … in turn (only the first reads memory: see
:mod:`showdown.scenarios.parts`).

In round ``r`` the workloads that still have an open comparison run as blocks in a random order
drawn from the run's seed and ``r``; inside a block its processes run back to back, in their base
order in odd rounds and reversed in even ones (AB, then BA), so a drift of the machine over time
shifts every pair one way in one round and the other way in the next. A round's cell is the side's
key plus ``/r<round>``.

Everything is a pure function of the sides, the seed and the round, so a resumed run recomputes
the same order.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from showdown.runner.config import CellConfig

#: Scenarios measured in rounds when a plan asks for rounds.
ROUNDED = ("train", "infer", "dynamic", "coldstart", "accuracy")
#: Scenarios whose sides of one framework and workload share a round's process.
SHARED = ("train", "infer")
#: Fresh first passes over the shapes per varying-shapes process of a round (the rounds repeat it).
DYNAMIC_REPEATS = 1

_ROUND = re.compile(r"/r(\d+)$")


@dataclass(frozen=True)
class Comparison:
    """Two sides of different frameworks under one condition."""

    condition: str
    a: str
    b: str


def condition(config: CellConfig) -> str:
    """The condition a side is measured under: ``train/cnn/default/bs32``."""
    return f"{config.scenario}/{config.workload}/{config.preset}/bs{config.batch_size}"


def comparisons(sides: Mapping[str, CellConfig]) -> list[Comparison]:
    """Every pair of sides of different frameworks under the same condition, in a stable order."""
    blocks: dict[str, list[str]] = {}
    for key, config in sides.items():
        blocks.setdefault(condition(config), []).append(key)
    out = []
    for cond, keys in blocks.items():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                fa, fb = str(sides[a].framework), str(sides[b].framework)
                if fa != fb:
                    out.append(Comparison(cond, *((a, b) if fa < fb else (b, a))))
    return out


def round_overrides(config: CellConfig, round_no: int) -> dict[str, Any]:
    """What a round's process of a side does differently from a cell outside rounds.

    A cold start's process starts one fresh interpreter (the round repeats it). A time-to-accuracy
    process trains one seed, ``round − 1``: both sides of a round train from the same seeded
    weights on the same example order, and every round (every session's too) has a seed of its own.
    A varying-shapes process times :data:`DYNAMIC_REPEATS` fresh first passes (the rounds repeat it).
    """
    scenario = config.scenario
    if scenario == "coldstart":
        return {"repeats": 1}
    if scenario == "dynamic":
        return {"repeats": DYNAMIC_REPEATS}
    if scenario == "accuracy":
        return {"seeds": (round_no - 1,)}
    return {}


def process_of(side: str, config: CellConfig) -> str:
    """The process a side runs in within a round: ``steady/torch/cnn/default`` for a shared one, else the side itself."""
    if config.scenario in SHARED:
        return f"steady/{config.framework}/{config.workload}/{config.preset}"
    return side


def block_of(config: CellConfig) -> str:
    """The block a side's process runs in: its workload and preset (``cnn/default``)."""
    return f"{config.workload}/{config.preset}"


def round_order(sides: Mapping[str, CellConfig], wanted: Iterable[str], round_no: int, seed: int) -> list[list[str]]:
    """The processes of round ``round_no``, in the order it runs them, each as the ``wanted`` side keys it measures in order (see the module doc)."""
    wanted = set(wanted)
    by_block: dict[str, dict[str, list[str]]] = {}
    for key, config in sides.items():
        if key in wanted:
            by_block.setdefault(block_of(config), {}).setdefault(process_of(key, config), []).append(key)
    names = list(by_block)
    random.Random(f"{seed}:{round_no}").shuffle(names)
    out = []
    for name in names:
        processes = list(by_block[name].values())
        for parts in processes if round_no % 2 else processes[::-1]:
            shift = (round_no - 1) % len(parts)
            out.append(parts[shift:] + parts[:shift])
    return out


def blocks(order: list[list[str]], sides: Mapping[str, CellConfig]) -> list[list[list[str]]]:
    """A round's processes cut into blocks (consecutive processes of one workload)."""
    out: list[list[list[str]]] = []
    for parts in order:
        if out and block_of(sides[out[-1][0][0]]) == block_of(sides[parts[0]]):
            out[-1].append(parts)
        else:
            out.append([parts])
    return out


def round_key(side: str, round_no: int) -> str:
    """A round's cell key: ``train/torch/cnn/default/eager/bs32/r3``."""
    return f"{side}/r{round_no}"


def split_key(key: str) -> tuple[str, int | None]:
    """``(side key, round)`` of a cell key; round None for a cell outside rounds."""
    match = _ROUND.search(key)
    return (key[: match.start()], int(match.group(1))) if match else (key, None)
