"""Paired comparisons over rounds of processes: the process is the unit, the round is the pair.

Noise on a shared machine comes between processes and over time, not between the steps of one
process (Kalibera & Jones, ISMM 2013). So a comparison runs its two sides in rounds, each side in
a fresh process, the two back to back (Abedi & Brecht's randomized multiple interleaved trials,
ICPE 2017), and each process contributes one number: its median. For round ``r`` with process
medians ``a_r`` and ``b_r`` (times: lower is better) the paired log difference is
``d_r = log b_r − log a_r``; then

* the estimate is ``exp(mean d)`` (``> 1``: ``a`` better);
* its interval is the wider of a t-interval over rounds (R−1 degrees of freedom) and a cluster
  bootstrap over rounds (percentile), both on the log scale;
* the test is Wilcoxon's signed-rank test over the ``d_r`` (exact for small R); with fewer than 6
  rounds it cannot reach p < 0.05 and says so;
* a run can hold several *sessions* (``showdown run --append``: the same comparisons another hour
  or day), a level above rounds: then the bootstrap is two-stage — sessions with replacement,
  then rounds with replacement within each — so the interval also covers how much sessions
  differ, and each session's own ratio and interval are reported, with whether any two disagree
  beyond their intervals;
* a *look* classifies the interval as ``faster`` or ``slower`` (the interval excludes 1 and the
  estimate is beyond the margin), ``equivalent`` (the interval lies inside the margin) or
  ``undecided``; a comparison is *decided* once two consecutive looks, each after at least
  ``MIN_ROUNDS`` rounds, agree on the same decisive state. The looks use 99 % intervals
  (:data:`LOOK_CONFIDENCE`), near Pocock's constant boundary for 10–20 looks at an overall 5 %,
  so that looking after every round does not multiply the chance of calling identical sides
  different; on synthetic identical pairs with 5–15 % process noise it stays under 5 %
  (tests/measure/test_paired.py).

Everything here is numpy/scipy only and deterministic for a given seed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
from scipy import stats as _sps

from showdown.errors import ConfigError
from showdown.measure.stats import Comparison

#: Rounds before any decision.
MIN_ROUNDS = 4
#: Effects within 1/(1+m) .. 1+m count as equivalent.
MARGIN = 0.05
#: Confidence of the intervals the stopping rule looks at (the reported interval stays 95 %).
LOOK_CONFIDENCE = 0.99
#: What a comparison (and a claim resting on it) says first when the machine's speed moved under it.
DEPENDS = "depends on the machine's state"
#: A canary (the machine's own speed) that varies more than this over a run means drift.
DRIFT = 0.10
STATES = ("faster", "slower", "equivalent", "undecided")
DECISIVE = STATES[:3]


@dataclass(frozen=True)
class Paired:
    """A paired comparison over rounds, with the :class:`~showdown.measure.stats.Comparison` fields.

    Attributes:
        comparison: ratio (``> 1``: ``name_a`` better), interval, signed-rank p-value, text.
        rounds: The rounds in which both sides have a process median.
        per_round: Each round's ratio, oriented like ``comparison.ratio``, in round order.
        t_ci: The t-interval of the ratio.
        boot_ci: The cluster-bootstrap interval of the ratio.
        p_floor: The smallest p-value the signed-rank test can give with this many rounds.
        state: This look's classification at ``confidence`` (see module doc).
        decided: The stopping rule's state over the rounds in order, and the round it was
            decided at (None while undecided); with sessions, as the last session's rule saw it
            (its looks from its own ``MIN_ROUNDS``-th round, on every session's rounds).
        stability: Share of bootstrap resamples of the rounds whose look gives ``state``.
        halves_agree: Whether the odd and the even rounds, looked at apart, give the same state
            (None with fewer than 2 rounds in either half).
        spread: How the variance splits (see :func:`variance_split`), when within-process samples
            were given.
        drift: The canary's reading (see :func:`drift`), when canaries were given.
        session_of: Each round's session, aligned with ``rounds`` (empty: one session).
        sessions: Each session's own ratio and interval (see :func:`by_session`), with two or more.
        sessions_agree: Whether every two sessions' intervals overlap (None with fewer than 2).
    """

    comparison: Comparison
    rounds: tuple[int, ...]
    per_round: tuple[float, ...]
    t_ci: tuple[float, float]
    boot_ci: tuple[float, float]
    p_floor: float
    state: str
    decided: tuple[str, int | None]
    stability: float
    halves_agree: bool | None
    spread: dict[str, Any] | None = None
    drift: dict[str, Any] | None = None
    session_of: tuple[int, ...] = ()
    sessions: tuple[dict[str, Any], ...] = ()
    sessions_agree: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """The comparison's fields, plus a ``paired`` dict with the rest (NaN as None)."""
        extra = {k: v for k, v in asdict(self).items() if k != "comparison"}
        return {**self.comparison.to_dict(), "paired": _plain(extra)}


def log_differences(a: Mapping[int, float], b: Mapping[int, float], lower_is_better: bool = True) -> tuple[list[int], np.ndarray]:
    """The rounds both sides have, and each round's log ratio oriented so that ``> 0`` favours ``a``.

    Args:
        a: Round → process median of side a (positive).
        b: Round → process median of side b.
        lower_is_better: True for times.

    Raises:
        ConfigError: On a non-positive or non-finite median.
    """
    rounds = sorted(set(a) & set(b))
    for side in (a, b):
        bad = [side[r] for r in rounds if not (math.isfinite(side[r]) and side[r] > 0)]
        if bad:
            raise ConfigError(f"process medians must be positive and finite, got {bad[0]!r}")
    d = np.array([math.log(b[r]) - math.log(a[r]) for r in rounds], dtype=np.float64)
    return rounds, (d if lower_is_better else -d)


def t_interval(d: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Interval of ``mean(d)`` from Student's t with ``len(d) − 1`` degrees of freedom (NaN below 2)."""
    if d.size < 2:
        return math.nan, math.nan
    half = float(_sps.t.ppf(0.5 + confidence / 2.0, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size))
    mean = float(d.mean())
    return mean - half, mean + half


def bootstrap_interval(d: np.ndarray, confidence: float = 0.95, n_boot: int = 2000, seed: int = 0,
                       groups: Sequence[int] | None = None) -> tuple[float, float]:
    """Percentile interval of ``mean(d)`` resampling whole rounds (NaN below 2); with ``groups`` (each
    round's session) of two or more sessions, sessions first, then rounds within each."""
    if d.size < 2:
        return math.nan, math.nan
    means = _boot_means(d, n_boot, seed, groups)
    tail = 50.0 * (1.0 - confidence)
    low, high = np.percentile(means, [tail, 100.0 - tail])
    return float(low), float(high)


def look(ratio: float, low: float, high: float, margin: float = MARGIN) -> str:
    """Classify one look at a ratio and its interval (``> 1``: a better); see the module doc."""
    if not all(map(math.isfinite, (ratio, low, high))):
        return "undecided"
    lo, hi = 1.0 / (1.0 + margin), 1.0 + margin
    if lo <= low and high <= hi:
        return "equivalent"
    if low > 1.0 and ratio > hi:
        return "faster"
    if high < 1.0 and ratio < lo:
        return "slower"
    return "undecided"


def look_at(d: np.ndarray, confidence: float = 0.95, margin: float = MARGIN, seed: int = 0, n_boot: int = 2000,
            groups: Sequence[int] | None = None) -> tuple[str, float, float, float]:
    """One look at the log differences so far: ``(state, ratio, low, high)`` with the wider interval
    (``groups``: each round's session, for the two-stage bootstrap)."""
    if d.size < 2:
        return "undecided", (math.exp(float(d.mean())) if d.size else math.nan), math.nan, math.nan
    low, high = _wider(t_interval(d, confidence), bootstrap_interval(d, confidence, n_boot=n_boot, seed=seed, groups=groups))
    ratio = math.exp(float(d.mean()))
    return look(ratio, math.exp(low), math.exp(high), margin), ratio, math.exp(low), math.exp(high)


def decision(d: Sequence[float], min_rounds: int = MIN_ROUNDS, margin: float = MARGIN, confidence: float = LOOK_CONFIDENCE,
             groups: Sequence[int] | None = None, first_look: int = 0) -> tuple[str, int | None]:
    """The stopping rule over the rounds so far, in order: ``(state, round it was decided at)``.

    A look is taken after each round from ``min_rounds`` on (and from the ``first_look``-th round
    on: a later session decides afresh, once it has rounds of its own); the comparison is decided
    at the first look that gives the same decisive state as the look before it. Until then it is
    ``undecided`` (with None). ``groups`` gives each round's session (see :func:`look_at`).
    """
    x = np.asarray(d, dtype=np.float64)
    labels = None if groups is None else list(groups)
    previous = None
    for n in range(max(min_rounds, first_look), x.size + 1):
        state = look_at(x[:n], confidence, margin, groups=None if labels is None else labels[:n])[0]
        if state in DECISIVE and state == previous:
            return state, n
        previous = state
    return "undecided", None


def stability(d: np.ndarray, state: str, confidence: float = 0.95, margin: float = MARGIN, n_boot: int = 200, seed: int = 0,
              groups: Sequence[int] | None = None) -> float:
    """Share of bootstrap resamples of the rounds whose own look gives ``state`` (NaN below 2 rounds).

    A verdict that a rerun would confirm keeps its state in most resamples; one that rests on a
    single odd round does not. With ``groups`` of two or more sessions, each resample draws
    sessions, then rounds within them.
    """
    if d.size < 2:
        return math.nan
    rng = np.random.default_rng(seed)
    same = 0
    for _ in range(n_boot):
        picks, labels = resample(d.size, groups, rng)
        same += look_at(d[picks], confidence, margin, seed=seed, groups=labels)[0] == state
    return same / n_boot


def resample(n: int, groups: Sequence[int] | None, rng: np.random.Generator) -> tuple[np.ndarray, list[int] | None]:
    """Indices of one bootstrap resample of ``n`` rounds, and the resample's session labels.

    One session (or ``groups`` None): ``n`` rounds with replacement. Several: as many sessions as
    there are, with replacement, then each picked session's rounds with replacement; a session
    picked twice counts as two (labels are the picks' positions).
    """
    labels = None if groups is None else np.asarray(groups)
    names = [] if labels is None else list(dict.fromkeys(labels.tolist()))
    if len(names) < 2:
        return rng.integers(0, n, n), None
    members = [np.flatnonzero(labels == g) for g in names]
    picks, out = [], []
    for j, k in enumerate(rng.integers(0, len(members), len(members))):
        picks.append(members[k][rng.integers(0, members[k].size, members[k].size)])
        out += [j] * members[k].size
    return np.concatenate(picks), out


def by_session(d: np.ndarray, groups: Sequence[int], confidence: float = 0.95) -> list[dict[str, Any]]:
    """Each session's own ratio and interval (one look at its rounds alone), in session order."""
    labels = np.asarray(groups)
    out = []
    for g in sorted(set(labels.tolist())):
        part = d[labels == g]
        _, ratio, low, high = look_at(part, confidence)
        out.append({"session": int(g), "rounds": int(part.size), "ratio": ratio, "ci_low": low, "ci_high": high})
    return out


def sessions_agree(sessions: Sequence[Mapping[str, Any]]) -> bool | None:
    """Whether every two sessions' intervals overlap (None with fewer than 2 sessions with an interval)."""
    spans = [(s["ci_low"], s["ci_high"]) for s in sessions if math.isfinite(s["ci_low"]) and math.isfinite(s["ci_high"])]
    if len(spans) < 2:
        return None
    return max(low for low, _ in spans) <= min(high for _, high in spans)


def halves_agree(d: np.ndarray, confidence: float = 0.95, margin: float = MARGIN) -> bool | None:
    """Whether the odd and the even rounds (1st, 3rd, ... against 2nd, 4th, ...) give the same look."""
    odd, even = d[0::2], d[1::2]
    if min(odd.size, even.size) < 2:
        return None
    return look_at(odd, confidence, margin)[0] == look_at(even, confidence, margin)[0]


def variance_split(processes: Sequence[Sequence[float]]) -> dict[str, Any] | None:
    """How the variance of one side's process medians splits, on the log scale.

    ``within_sd`` is the spread of steps inside a process; the variance it alone would give a
    process median is about ``(π/2)·within_sd²/n`` (the median's efficiency under normal noise).
    ``between_sd`` is the observed spread of the process medians; ``between_share`` is the part of
    their variance that within-process noise does not explain — what repeating steps in one
    process can never average away.

    Args:
        processes: Each process's samples (positive).

    Returns:
        ``within_sd``, ``between_sd``, ``between_share`` and ``processes``; None with fewer than 2
        processes of at least 2 samples.
    """
    logs = [np.log(np.asarray(p, dtype=np.float64)) for p in processes if len(p) >= 2]
    if len(logs) < 2:
        return None
    within_var = float(np.mean([x.var(ddof=1) for x in logs]))
    n = float(np.mean([x.size for x in logs]))
    between_var = float(np.var([np.median(x) for x in logs], ddof=1))
    explained = math.pi / 2.0 * within_var / n
    share = max(0.0, 1.0 - explained / between_var) if between_var > 0 else 0.0
    return {"within_sd": math.sqrt(within_var), "between_sd": math.sqrt(between_var), "between_share": share, "processes": len(logs)}


def drift(canary: Mapping[int, float], per_round: Mapping[int, float] | None = None, limit: float = DRIFT) -> dict[str, Any] | None:
    """Whether the machine's own speed moved over the rounds, and whether the ratios moved with it.

    Args:
        canary: Round → the canary's time in that round (a fixed numpy task, timed in every process).
        per_round: Round → the comparison's log ratio, to test whether it follows the canary.
        limit: Relative spread (slowest over fastest round, less 1) above which the run drifted.

    Returns:
        ``spread``, ``drifting`` (spread above ``limit``), ``follows`` (the ratios' Spearman
        correlation with the canary is significant at 5 %, with at least 5 rounds), ``rho`` and
        ``p_value``; None with fewer than 2 rounds.
    """
    rounds = sorted(r for r in canary if math.isfinite(canary[r]) and canary[r] > 0)
    if len(rounds) < 2:
        return None
    values = [canary[r] for r in rounds]
    spread = max(values) / min(values) - 1.0
    out: dict[str, Any] = {"spread": spread, "drifting": spread > limit, "follows": False, "rho": None, "p_value": None}
    common = [r for r in rounds if per_round is not None and r in per_round]
    if per_round is not None and len(common) >= 5 and len({per_round[r] for r in common}) > 1 and len({canary[r] for r in common}) > 1:
        result = _sps.spearmanr([canary[r] for r in common], [per_round[r] for r in common])
        rho, p = float(result.statistic), float(result.pvalue)
        if math.isfinite(rho):
            out.update(rho=rho, p_value=p, follows=p < 0.05)
    return out


def compare_rounds(
    a: Mapping[int, float],
    b: Mapping[int, float],
    *,
    name_a: str,
    name_b: str,
    lower_is_better: bool = True,
    confidence: float = 0.95,
    margin: float = MARGIN,
    seed: int = 0,
    samples_a: Sequence[Sequence[float]] = (),
    samples_b: Sequence[Sequence[float]] = (),
    canary: Mapping[int, float] | None = None,
    sessions: Mapping[int, int] | None = None,
) -> Paired:
    """Compare two sides from their process medians by round (see the module doc).

    Args:
        a: Round → process median of side a.
        b: Round → process median of side b.
        name_a: Name of side a, e.g. ``"torch eager"``.
        name_b: Name of side b.
        lower_is_better: True for times.
        confidence: Level of the intervals.
        margin: Equivalence margin of a look.
        seed: Seed of the bootstraps.
        samples_a: Each of side a's processes' samples, for the variance split.
        samples_b: The same for side b.
        canary: Round → canary time, for the drift check.
        sessions: Round → session (rounds it lacks are session 1); two or more sessions make the
            bootstrap two-stage and add each session's own look.

    Returns:
        A :class:`Paired`. Its comparison is ``significant`` when the interval excludes 1.
    """
    rounds, d = log_differences(a, b, lower_is_better)
    groups = [int((sessions or {}).get(r, 1)) for r in rounds]
    several = len(set(groups)) > 1
    labels = groups if several else None
    better, worse = ("faster", "slower") if lower_is_better else ("higher", "lower")
    ratio = math.exp(float(d.mean())) if d.size else math.nan
    t_ci = _exp(t_interval(d, confidence))
    boot_ci = _exp(bootstrap_interval(d, confidence, seed=seed, groups=labels))
    low, high = _wider(t_ci, boot_ci)
    state = look(ratio, low, high, margin) if d.size else "undecided"
    p_value = _signed_rank(d)
    floor = 2.0 / 2**d.size if d.size else 1.0
    winner = (name_a if low > 1.0 else name_b if high < 1.0 else None) if math.isfinite(low) else None
    cmp = Comparison(
        name_a=name_a, name_b=name_b, ratio=ratio, ci_low=low, ci_high=high, p_value=p_value,
        significant=winner is not None, winner=winner, text=_text(winner, name_a, ratio, low, high, p_value, floor, len(rounds), confidence, better),
        confidence=confidence, n_a=len(rounds), n_b=len(rounds), better_word=better, worse_word=worse,
    )
    spread = {"a": variance_split(samples_a), "b": variance_split(samples_b)} if samples_a or samples_b else None
    per_round = {r: float(x) for r, x in zip(rounds, d)}
    moved = drift(canary, per_round) if canary is not None else None
    if moved and (moved["drifting"] or moved["follows"]):  # never a bare "N× faster" here
        why = f"the canary varied {100 * moved['spread']:.0f}% over the rounds" + ("; the ratios followed it" if moved["follows"] else "")
        cmp = replace(cmp, text=f"{DEPENDS} ({why}): {cmp.text}")
    parts = tuple(by_session(d, groups, confidence)) if several else ()
    agree = sessions_agree(parts)
    if several:
        cmp = replace(cmp, text=_sessions_text(parts, agree, cmp.text, flip=cmp.winner == name_b))
    return Paired(
        comparison=cmp, rounds=tuple(rounds), per_round=tuple(math.exp(x) for x in d), t_ci=t_ci, boot_ci=boot_ci,
        p_floor=floor, state=state, decided=decision(d, margin=margin, groups=labels, first_look=_last_session_start(groups) + MIN_ROUNDS),
        stability=stability(d, state, confidence, margin, seed=seed, groups=labels),
        halves_agree=halves_agree(d, confidence, margin), spread=spread,
        drift=moved, session_of=tuple(groups) if several else (), sessions=parts, sessions_agree=agree,
    )


def _last_session_start(groups: Sequence[int]) -> int:
    """How many rounds came before the last session's first (0 for one session)."""
    return next((i for i, g in enumerate(groups) if g == groups[-1]), 0) if groups else 0


def _sessions_text(parts: Sequence[Mapping[str, Any]], agree: bool | None, text: str, flip: bool) -> str:
    """The comparison's text with each session's ratio, oriented as the text's (``flip``: towards
    side b); a warning comes first where two sessions disagree beyond their intervals."""
    each = "; ".join(f"session {p['session']} {_oriented(p['ratio'], flip):.2f}×"
                     + (f" ({_oriented(p['ci_high' if flip else 'ci_low'], flip):.2f}–{_oriented(p['ci_low' if flip else 'ci_high'], flip):.2f})"
                        if math.isfinite(p["ci_low"]) else "") for p in parts)
    if agree is False:
        return f"sessions disagree beyond their intervals ({each}): {text}"
    return f"{text}; over {len(parts)} sessions ({each})"


def _oriented(ratio: float, flip: bool) -> float:
    return 1.0 / ratio if flip else ratio


def _boot_means(d: np.ndarray, n_boot: int, seed: int, groups: Sequence[int] | None = None) -> np.ndarray:
    """Bootstrap means of ``d``: rounds with replacement, or (two or more sessions in ``groups``)
    sessions with replacement, then rounds within each picked session."""
    rng = np.random.default_rng(seed)
    labels = None if groups is None else np.asarray(groups)
    names = [] if labels is None else list(dict.fromkeys(labels.tolist()))
    if len(names) < 2:
        return d[rng.integers(0, d.size, size=(n_boot, d.size))].mean(axis=1)
    members = [d[labels == g] for g in names]
    sizes = np.array([m.size for m in members], dtype=np.float64)
    picks = rng.integers(0, len(members), size=(n_boot, len(members)))
    total, count = np.zeros(n_boot), np.zeros(n_boot)
    for j in range(len(members)):  # each position of the session resample draws its rounds afresh
        sums = np.stack([m[rng.integers(0, m.size, size=(n_boot, m.size))].sum(axis=1) for m in members])
        total += sums[picks[:, j], np.arange(n_boot)]
        count += sizes[picks[:, j]]
    return total / count


def _wider(x: tuple[float, float], y: tuple[float, float]) -> tuple[float, float]:
    if not all(map(math.isfinite, x + y)):
        return x
    return min(x[0], y[0]), max(x[1], y[1])


def _exp(interval: tuple[float, float]) -> tuple[float, float]:
    return tuple(math.exp(v) if math.isfinite(v) else math.nan for v in interval)  # type: ignore[return-value]


def _signed_rank(d: np.ndarray) -> float:
    if d.size == 0 or not np.any(d):
        return 1.0
    return float(_sps.wilcoxon(d, alternative="two-sided").pvalue)


def _text(winner: str | None, name_a: str, ratio: float, low: float, high: float, p: float, floor: float, rounds: int, confidence: float, better: str) -> str:
    level = f"{100.0 * confidence:g}% CI"
    if not math.isfinite(low):
        return f"too few rounds to compare ({rounds}; ratio {ratio:.2f})"
    if winner is None:
        return f"no significant difference over {rounds} rounds (ratio {ratio:.2f}, {level} {low:.2f}–{high:.2f})"
    if winner != name_a:
        ratio, low, high = 1.0 / ratio, 1.0 / high, 1.0 / low
    test = f"signed-rank p={p:.2g}" if floor < 0.05 else f"too few rounds for the signed-rank test to reach p<0.05 (floor {floor:.2g})"
    return f"{winner} {ratio:.2f}× {better} ({level} {low:.2f}–{high:.2f}, {rounds} rounds; {test})"


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
