"""The schedule of a run in rounds: which comparisons its sides make, and the order of each round.

A *side* is one (framework, mode) under one condition — scenario, workload, preset, batch size —
and its key is the cell key without a round (``train/torch/cnn/default/eager/bs32``). A
*comparison* is two sides of different frameworks under the same condition. In round ``r`` the
conditions that still have an open comparison run as blocks in a random order drawn from the
run's seed and ``r``; inside a block its open sides run back to back, in their base order in odd
rounds and reversed in even ones (AB, then BA), so a drift of the machine over time shifts every
pair one way in one round and the other way in the next. A round's cell is the side's key plus
``/r<round>``.

Everything is a pure function of the sides, the seed and the round, so a resumed run recomputes
the same order.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: Scenarios measured in rounds when a plan asks for rounds.
ROUNDED = ("train", "infer", "coldstart")
#: What a round's process of a scenario does differently from a cell outside rounds: a cold
#: start's process starts one fresh interpreter (the round repeats it).
ROUND_OVERRIDES: dict[str, dict[str, Any]] = {"coldstart": {"repeats": 1}}

_ROUND = re.compile(r"/r(\d+)$")


@dataclass(frozen=True)
class Comparison:
    """Two sides of different frameworks under one condition."""

    condition: str
    a: str
    b: str


def condition(config: Mapping[str, Any]) -> str:
    """The condition a side is measured under: ``train/cnn/default/bs32``."""
    return "/".join(str(config.get(k)) for k in ("scenario", "workload", "preset")) + f"/bs{config.get('batch_size')}"


def comparisons(sides: Mapping[str, Mapping[str, Any]]) -> list[Comparison]:
    """Every pair of sides of different frameworks under the same condition, in a stable order."""
    blocks: dict[str, list[str]] = {}
    for key, config in sides.items():
        blocks.setdefault(condition(config), []).append(key)
    out = []
    for cond, keys in blocks.items():
        for i, a in enumerate(keys):
            for b in keys[i + 1 :]:
                fa, fb = sides[a]["framework"], sides[b]["framework"]
                if fa != fb:
                    out.append(Comparison(cond, *((a, b) if fa < fb else (b, a))))
    return out


def round_order(sides: Mapping[str, Mapping[str, Any]], wanted: Iterable[str], round_no: int, seed: int) -> list[str]:
    """The ``wanted`` side keys (those of open comparisons) in the order round ``round_no`` runs them (see the module doc)."""
    wanted = set(wanted)
    blocks: dict[str, list[str]] = {}
    for key, config in sides.items():
        if key in wanted:
            blocks.setdefault(condition(config), []).append(key)
    names = list(blocks)
    random.Random(f"{seed}:{round_no}").shuffle(names)
    return [k for name in names for k in (blocks[name] if round_no % 2 else blocks[name][::-1])]


def round_key(side: str, round_no: int) -> str:
    """A round's cell key: ``train/torch/cnn/default/eager/bs32/r3``."""
    return f"{side}/r{round_no}"


def split_key(key: str) -> tuple[str, int | None]:
    """``(side key, round)`` of a cell key; round None for a cell outside rounds."""
    match = _ROUND.search(key)
    return (key[: match.start()], int(match.group(1))) if match else (key, None)
