"""The advisor: weigh a run's measured dimensions for a user's profile and rank the frameworks
and deployment paths, showing the evidence behind every point and what would change the answer.

Each *dimension* scores every framework between 0 and 1 from the run's own measurements: under
each condition (workload, batch size...) the best framework gets 1 and the other its value
relative to the best (``best / value`` where lower is better); a dimension's score is the
geometric mean over its conditions. A framework's total is the weighted mean of its dimension
scores over the dimensions the run measured for every framework. The default weights of each
profile are in :data:`PROFILES`; a TOML file gives a user's own (see :func:`load_profile`).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from showdown.analysis import dimensions as D
from showdown.analysis.evidence import RunView
from showdown.analysis.verdict import over_resamples, resampled_text
from showdown.errors import ConfigError, unknown
from showdown.store import Store

PROFILES: dict[str, dict[str, Any]] = {
    "research": {
        "description": "iterating on models: training speed, time to accuracy, debuggability, dynamic models",
        "weights": {"training_speed": 0.3, "time_to_accuracy": 0.2, "developer_experience": 0.25, "dynamic_shapes": 0.15, "memory": 0.1},
    },
    "server": {
        "description": "serving on servers: latency, throughput, deployment, memory, start-up",
        "weights": {"inference_latency": 0.25, "throughput": 0.25, "deployment": 0.2, "memory": 0.15, "cold_start": 0.1, "training_speed": 0.05},
    },
    "mobile": {
        "description": "on-device inference: a light edge runtime, a verified export, latency, memory",
        "weights": {"edge_runtime": 0.35, "deployment": 0.3, "inference_latency": 0.2, "memory": 0.15},
    },
    "web": {
        "description": "in the browser: small artifacts and runtimes, fast start, a verified export (browser runtimes "
        "such as ONNX Runtime Web or TensorFlow.js are not measured; these weights lean on what is)",
        "weights": {"deployment": 0.3, "edge_runtime": 0.25, "cold_start": 0.25, "inference_latency": 0.2},
    },
}


@dataclass(frozen=True)
class Profile:
    """A named set of weights over :data:`showdown.analysis.dimensions.DIMENSIONS`."""

    name: str
    weights: dict[str, float]
    description: str = ""

    def __post_init__(self) -> None:
        for dim, w in self.weights.items():
            if dim not in D.DIMENSIONS:
                raise unknown("dimension", dim, tuple(D.DIMENSIONS))
            if not isinstance(w, (int, float)) or isinstance(w, bool) or not math.isfinite(w) or w < 0:
                raise ConfigError(f"weight of {dim} must be a number ≥ 0, got {w!r}")
        if not any(self.weights.values()):
            raise ConfigError(f"profile {self.name!r} gives every dimension weight 0: give at least one a positive weight")


def load_profile(value: str) -> Profile:
    """A built-in profile by name, or a TOML file with ``[weights]`` (and optional ``name``, ``description``).

    Raises:
        ConfigError: Unknown name, unreadable or invalid file, unknown dimension, bad weight.
    """
    if value in PROFILES:
        return Profile(value, dict(PROFILES[value]["weights"]), PROFILES[value]["description"])
    path = Path(value)
    if not value.endswith(".toml"):
        raise unknown("profile", value, (*PROFILES, "FILE.toml"))
    if not path.is_file():
        raise ConfigError(f"profile file {value} not found: give {', '.join(PROFILES)} or an existing FILE.toml")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read profile {value}: {exc}") from None
    weights = data.get("weights")
    if not isinstance(weights, dict) or not weights:
        raise ConfigError(f"profile {value} needs a [weights] table, e.g. training_speed = 0.5; dimensions: {', '.join(D.DIMENSIONS)}")
    return Profile(str(data.get("name", path.stem)), dict(weights), str(data.get("description", "")))


@dataclass(frozen=True)
class Advice:
    """The ranking for one profile, its evidence and its sensitivity."""

    run_id: str
    profile: str
    description: str
    weights: dict[str, float]
    ranking: list[dict[str, Any]]
    dimensions: dict[str, dict[str, Any]]
    flips: list[str]
    paths: list[dict[str, Any]]
    unmeasured: list[dict[str, Any]] = field(default_factory=list)
    missing: str | None = None
    # in rounds: the share of resamples of the rounds that keep the leader, and whether the odd
    # and the even rounds alone give the same leader (see :func:`stability`)
    stability: float | None = None
    halves_agree: bool | None = None
    # the run's contenders the ranking leaves out, for want of a weighed dimension measured for them
    unranked: list[str] = field(default_factory=list)
    # where the ranking of every contender drops weighed dimensions some of them lack: the
    # contenders measured on all of them, ranked on all of them
    # ({"frameworks", "dimensions", "ranking"}), else None
    complete: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return asdict(self)


def advise(store: Store, run_id: str, profile: Profile) -> Advice:
    """Score, rank and explain (see module doc).

    Every contender of the run is ranked on the weighed dimensions measured for all of them. Where
    that leaves out dimensions measured for only some (a contender without deployment paths or a
    mistakes battery), the contenders measured on every weighed dimension are ranked again on all
    of them, in ``complete``; with no dimension common to all, that is the ranking, and the
    others are named in ``unranked``.
    """
    view = RunView(store, run_id)
    frameworks = view.frameworks()
    dims = {name: D.DIMENSIONS[name].score(view) for name, w in profile.weights.items() if w > 0}
    measured = {n: d for n, d in dims.items() if d is not None}
    common = {n: d for n, d in measured.items() if set(frameworks) <= set(d["scores"])}
    unmeasured = [{"dimension": n, "run": D.DIMENSIONS[n].command, "missing": [fw for fw in frameworks if d is None or fw not in d["scores"]]}
                  for n, d in dims.items() if n not in common]
    paths = D.rank_paths(view, profile.weights)
    full = _scored_on_all(view, frameworks, measured) if measured.keys() != common.keys() else None
    ranked, usable, unranked, complete = frameworks, common, [], None
    if full and not common:
        (ranked, usable), unranked = full, [f for f in frameworks if f not in full[0]]
    elif full:
        among, scored = full
        complete = {"frameworks": among, "dimensions": list(scored), "ranking": _ranking({n: profile.weights[n] for n in scored}, scored, among)}
    if not usable or len(ranked) < 2:
        return Advice(run_id, profile.name, profile.description, profile.weights, [], usable, [], paths, unmeasured,
                      missing="showdown run --suite quick (measures every dimension for torch and tensorflow)")
    weights = {n: profile.weights[n] for n in usable}
    ranking = _ranking(weights, usable, ranked)
    share, halves = stability(view, weights, usable, ranked, ranking[0]["framework"])
    return Advice(run_id, profile.name, profile.description, profile.weights, ranking, usable, flips(weights, usable, ranking), paths,
                  unmeasured, stability=share, halves_agree=halves, unranked=unranked, complete=complete)


def _scored_on_all(view: RunView, frameworks: list[str], measured: dict[str, dict[str, Any]]) -> tuple[list[str], dict[str, dict[str, Any]]] | None:
    """The contenders measured on every measured weighed dimension, and those dimensions scored among them (None for fewer than 2)."""
    among = [fw for fw in frameworks if all(fw in d["scores"] for d in measured.values())]
    if len(among) < 2:
        return None
    scored = {n: D.DIMENSIONS[n].score(view, among) for n in measured}
    return (among, scored) if all(d is not None for d in scored.values()) else None  # type: ignore[return-value]


def ranking_text(ranking: list[dict[str, Any]]) -> str:
    """``"1. torch 0.912, 2. tensorflow 0.850"``."""
    return ", ".join(f"{i}. {r['framework']} {r['score']:.3f}" for i, r in enumerate(ranking, 1))


def coverage_lines(advice: Advice) -> list[str]:
    """What the ranking leaves out and the ranking on every weighed dimension, in words, for every renderer."""
    lines = []
    for u in advice.unmeasured:
        whom = "" if set(u["missing"]) >= {r["framework"] for r in advice.ranking} | set(advice.unranked) else f" for {', '.join(u['missing'])}"
        lines.append(f"not weighed: {u['dimension']}, not measured{whom} in this run (run: {u['run']})")
    if advice.unranked:
        lines.append(f"not ranked: {', '.join(advice.unranked)} (no weighed dimension measured for every contender; the ranking is among the others)")
    if advice.complete:
        c = advice.complete
        lines.append(f"on every weighed dimension ({', '.join(c['dimensions'])}), among {', '.join(c['frameworks'])}: {ranking_text(c['ranking'])}")
    return lines


def _ranking(weights: dict[str, float], dims: dict[str, dict[str, Any]], frameworks: list[str]) -> list[dict[str, Any]]:
    totals = {fw: _total(weights, dims, fw) for fw in frameworks}
    return [{"framework": fw, "score": totals[fw]} for fw in sorted(frameworks, key=lambda f: -totals[f])]


def stability(view: RunView, weights: dict[str, float], dims: dict[str, dict[str, Any]], frameworks: list[str], leader: str,
              n_boot: int = 200, seed: int = 0) -> tuple[float | None, bool | None]:
    """How a rerun would likely see the ranking: ``(share of resamples, halves agree)``.

    The run's rounds are resampled with replacement (the same rounds for every side, since a round
    ran them all; with several sessions, sessions first, then rounds within them); each dimension
    read from process medians is scored again on the resampled rounds, the others keep their
    scores, and the frameworks are ranked again. Returns the share
    of resamples in which ``leader`` still comes first, and whether the odd rounds alone and the
    even rounds alone put the same framework first. ``(None, None)`` when no weighed dimension
    comes from rounds or the run has fewer than 2 rounds.
    """
    rounds = view.round_numbers()
    if len(rounds) < 2 or not any(D.DIMENSIONS[n].by_round for n in weights):
        return None, None

    def first(picks: Any) -> str | None:
        seen = view.resampled(int(r) for r in picks)
        again = {n: (D.DIMENSIONS[n].score(seen) if D.DIMENSIONS[n].by_round else d) for n, d in dims.items()}
        if any(d is None or not set(frameworks) <= set(d["scores"]) for d in again.values()):
            return None  # a side missing from every picked round: no ranking from this resample
        return _ranking(weights, again, frameworks)[0]["framework"]

    return over_resamples(rounds, first, leader, n_boot, seed, view.session_of())


def leader_stability_text(advice: Advice) -> str:
    """``"torch leads in 96% of resamples of the rounds; odd and even rounds agree"``, or "" outside rounds."""
    if not advice.ranking:
        return ""
    return resampled_text(f"{advice.ranking[0]['framework']} leads", advice.stability, advice.halves_agree)


def _total(weights: dict[str, float], dims: dict[str, dict[str, Any]], fw: str) -> float:
    return sum(w * dims[n]["scores"][fw] for n, w in weights.items()) / sum(weights.values())


def flips(weights: dict[str, float], dims: dict[str, dict[str, Any]], ranking: list[dict[str, Any]]) -> list[str]:
    """For each dimension, the weight (others scaled to keep their proportions) at which the top two swap."""
    if len(ranking) < 2:
        return []
    a, b = ranking[0]["framework"], ranking[1]["framework"]
    total = sum(weights.values())
    out = []
    for name, weight in weights.items():
        rest = {n: w for n, w in weights.items() if n != name}
        d_dim = dims[name]["scores"][a] - dims[name]["scores"][b]
        d_rest = (_total(rest, dims, a) - _total(rest, dims, b)) if rest and sum(rest.values()) else 0.0
        if d_rest == d_dim:
            continue
        w = d_rest / (d_rest - d_dim)  # a's lead is 0 at this share of the total weight
        share = weight / total
        # strictly inside: at w = 1 (or 0) the two only tie, e.g. on a dimension where they are equal
        if 0.0 < w < 1.0 and abs(w - share) > 1e-9:
            direction = "more" if w > share else "less"
            out.append(f"the choice flips to {b} if {name} weighs {direction} than {w:.2f} of the total weight (now {share:.2f})")
    return out or [f"no single weight change makes {b} win: {a} leads or ties on every weighted dimension"]
