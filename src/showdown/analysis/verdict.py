"""From findings to a verdict: the vocabulary and the arithmetic every claim shares.

A claim is tested under several *conditions* (a workload, a batch size, a pair of modes). Each
condition gives a :class:`Finding`: the claim's effect as a ratio oriented so that ``> 1`` means
the claim's direction (e.g. "torch faster"), its confidence interval and an outcome:

* ``holds`` — significant, in the claim's direction, outside the equivalence margin;
* ``fails`` — significant in the other direction, outside the margin;
* ``equal`` — the whole interval lies within the equivalence margin (no practical difference);
* ``unclear`` — none of these (too noisy to say).

The headline effect of one condition is its ratio and CI; over several, the geometric mean of
the conditions' ratios and their range (conditions differ on purpose, so their spread is not a
confidence interval). The verdict: **supported** when the claim holds in at least one condition and fails in none;
**refuted** when it holds in none and fails (or is equal) in at least one; when both happen the
side with more conditions wins and the verdict names the exceptions ("holds in 3 of 4 decided
conditions; not for: ..."),
a tie is **inconclusive**; with nothing decisive it is **inconclusive**. Claims with no data say
which command would produce it (verdict ``no data``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np

VERDICTS = ("supported", "refuted", "inconclusive", "no data")
OUTCOMES = ("holds", "fails", "equal", "unclear")
#: Ratios within 1/(1+m) .. 1+m count as "no practical difference".
EQUIVALENCE = 0.05


@dataclass(frozen=True)
class Finding:
    """The claim's effect under one condition (``ratio > 1`` is the claim's direction)."""

    condition: str
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    outcome: str
    detail: str = ""
    p_value: float | None = None
    # measured in rounds: (round, log ratio oriented like ``ratio``) per round, and the margin used
    rounds: tuple[tuple[int, float], ...] = ()
    margin: float = EQUIVALENCE
    # (round, session) of each round, when the run holds two or more sessions
    sessions: tuple[tuple[int, int], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict."""
        return asdict(self)


@dataclass(frozen=True)
class Verdict:
    """What the measurements say about one claim."""

    id: str
    claim: str
    verdict: str
    effect: str
    ratio: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    conditions: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()
    method: str = ""
    missing: str | None = None
    notes: tuple[str, ...] = field(default=())
    # over several conditions: the smallest and largest condition's ratio (ci_* stay None)
    range_low: float | None = None
    range_high: float | None = None
    # measured in rounds: share of bootstrap resamples of the rounds that give this verdict, and
    # whether the odd and the even rounds alone give the same verdict (see :func:`stability`)
    stability: float | None = None
    halves_agree: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (findings included)."""
        out = asdict(self)
        out["findings"] = [f.to_dict() for f in self.findings]
        out["conditions"], out["notes"] = list(self.conditions), list(self.notes)
        return out


def classify(ratio: float | None, low: float | None, high: float | None, significant: bool, margin: float = EQUIVALENCE) -> str:
    """The outcome of one condition from its ratio, interval and significance (see module doc)."""
    if ratio is None or low is None or high is None or not all(map(math.isfinite, (ratio, low, high))):
        return "unclear"
    lo, hi = 1.0 / (1.0 + margin), 1.0 + margin
    if lo <= low and high <= hi:
        return "equal"
    if significant and low > 1.0 and ratio > hi:
        return "holds"
    if significant and high < 1.0 and ratio < lo:
        return "fails"
    return "unclear"


def from_comparison(condition: str, cmp: dict[str, Any], favoured: str, margin: float = EQUIVALENCE) -> Finding:
    """A finding from a :func:`showdown.measure.stats.compare` dict, oriented towards ``favoured``.

    Args:
        condition: Where this was measured, in words.
        cmp: ``Comparison.to_dict()``; its ratio > 1 means ``name_a`` better.
        favoured: The side (``name_a`` or ``name_b``) the claim says is better.
        margin: Equivalence margin.
    """
    ratio, low, high = cmp.get("ratio"), cmp.get("ci_low"), cmp.get("ci_high")
    if favoured == cmp["name_b"] and ratio:
        ratio, low, high = 1.0 / ratio, (1.0 / high if high else None), (1.0 / low if low else None)
    outcome = classify(ratio, low, high, bool(cmp.get("significant")), margin)
    paired = cmp.get("paired") or {}
    sign = -1.0 if favoured == cmp["name_b"] else 1.0
    rounds = tuple((int(r), sign * math.log(q)) for r, q in zip(paired.get("rounds", ()), paired.get("per_round", ())) if q and q > 0)
    sessions = tuple((int(r), int(g)) for r, g in zip(paired.get("rounds", ()), paired.get("session_of", ())))
    return Finding(condition, ratio, low, high, outcome, cmp.get("text", ""), cmp.get("p_value"), rounds, margin, sessions)


def stability(findings: Sequence[Finding], label: str, n_boot: int = 200, seed: int = 0) -> tuple[float | None, bool | None]:
    """How a rerun would likely see this verdict: ``(share of resamples, halves agree)``.

    The rounds of the run are resampled with replacement (the same rounds for every condition,
    since a round ran them all; with several sessions, sessions first, then rounds within them);
    each condition measured in rounds is judged again on its
    resampled rounds (t-interval and round bootstrap, as for the run), the others keep their
    outcome, and the verdict is formed again. Also whether the odd rounds alone and the even
    rounds alone give the same verdict. None where no condition was measured in at least 2 rounds.
    """
    from showdown.measure.paired import look_at

    rounds = sorted({r for f in findings for r, _ in f.rounds})
    if len(rounds) < 2:
        return None, None
    session_of = {r: g for f in findings for r, g in f.sessions}

    def judged(picks: Sequence[int]) -> str:
        out = []
        for f in findings:
            if f.rounds:
                by_round = dict(f.rounds)
                kept = [r for r in picks if r in by_round]
                groups = [session_of.get(r, 1) for r in kept] if session_of else None
                _, ratio, low, high = look_at(np.array([by_round[r] for r in kept]), margin=f.margin, n_boot=400, groups=groups)
                f = replace(f, outcome=classify(ratio, low, high, low > 1.0 or high < 1.0, f.margin))
            out.append(f)
        return decide(out)[0]

    return over_resamples(rounds, judged, label, n_boot, seed, session_of)


def over_resamples(rounds: Sequence[int], judge: Callable[[Sequence[int]], str | None], answer: str, n_boot: int = 200,
                   seed: int = 0, sessions: Mapping[int, int] | None = None) -> tuple[float, bool | None]:
    """``(share, halves agree)``: how often ``judge`` gives ``answer`` on resamples of ``rounds``
    (with replacement, as many as there are; with ``sessions`` (round → session) of two or more,
    sessions first, then rounds within them), and whether it gives the same on the odd rounds alone
    as on the even ones (None with fewer than 2 of either, or when either gives no answer)."""
    from showdown.measure.paired import resample

    rng = np.random.default_rng(seed)
    pool = np.asarray(rounds)
    groups = [sessions.get(int(r), 1) for r in rounds] if sessions else None
    share = sum(judge(pool[resample(len(rounds), groups, rng)[0]]) == answer for _ in range(n_boot)) / n_boot
    odd, even = rounds[0::2], rounds[1::2]
    if min(len(odd), len(even)) < 2:
        return share, None
    a, b = judge(odd), judge(even)
    return share, (a == b if a is not None and b is not None else None)


def decide(findings: Sequence[Finding]) -> tuple[str, tuple[str, ...]]:
    """The verdict over findings and the conditions that qualify it (see module doc)."""
    if not findings:
        return "no data", ()
    holds = [f.condition for f in findings if f.outcome == "holds"]
    against = [f.condition for f in findings if f.outcome in ("fails", "equal")]
    unclear = [f.condition for f in findings if f.outcome == "unclear"]
    conditions = []
    if holds and against:  # name the smaller side, count the larger
        n = len(holds) + len(against)
        if len(holds) >= len(against):
            conditions.append(f"holds in {len(holds)} of {n} decided conditions; not for: " + "; ".join(against))
        else:
            conditions.append("holds only for: " + "; ".join(holds) + f" ({len(holds)} of {n} decided conditions)")
    if unclear:
        conditions.append("not decided (too noisy or too few samples): " + "; ".join(unclear))
    if holds and not against:
        return "supported", tuple(conditions)
    if against and not holds:
        return "refuted", tuple(conditions)
    if holds and against:
        verdict = "supported" if len(holds) > len(against) else "refuted" if len(against) > len(holds) else "inconclusive"
        return verdict, tuple(conditions)
    return "inconclusive", tuple(conditions)


def pooled(ratios: Sequence[float]) -> tuple[float | None, float | None, float | None]:
    """Geometric mean of ratios over conditions, with the smallest and largest of them.

    Not a confidence interval: conditions differ on purpose (workloads, batch sizes), so the
    headline says how large the effect is on average and how far it ranges; each finding keeps
    its own interval.
    """
    usable = [r for r in ratios if r and r > 0 and math.isfinite(r)]
    if not usable:
        return None, None, None
    return float(np.exp(np.mean(np.log(usable)))), min(usable), max(usable)


def paired_mean_difference(a: Sequence[float], b: Sequence[float], confidence: float = 0.95, n_boot: int = 4000, seed: int = 0) -> tuple[float, float, float]:
    """Mean of ``a - b`` over paired items, with a percentile-bootstrap interval over the pairs."""
    from showdown.measure.paired import bootstrap_interval

    d = np.asarray(a, float) - np.asarray(b, float)
    if d.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(d.mean())
    low, high = bootstrap_interval(d, confidence, n_boot, seed) if d.size > 1 else (mean, mean)
    return mean, low, high


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact sign test p-value (ties left out)."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def effect_text(ratio: float | None, low: float | None, high: float | None, better: str, worse: str, subject: str, n: int) -> str:
    """``"torch 1.31× faster (95% CI 1.20–1.44)"`` for one condition; for several, the geometric
    mean and the range of the conditions' ratios (``low``/``high`` are then that range)."""
    if ratio is None:
        return "no effect could be computed"
    word, r, lo, hi = (better, ratio, low, high) if ratio >= 1 else (worse, 1 / ratio, 1 / high if high else None, 1 / low if low else None)
    if lo is None or hi is None:
        return f"{subject} {r:.2f}× {word}"
    if n > 1:
        crossing = "; below 1× where the other side leads" if lo < 1.0 < hi else ""
        return f"{subject} {r:.2f}× {word}, geometric mean over {n} conditions (from {lo:.2f}× to {hi:.2f}×{crossing})"
    return f"{subject} {r:.2f}× {word} (95% CI {lo:.2f}–{hi:.2f})"


def verdict(cid: str, claim: str, findings: Sequence[Finding], *, better: str, worse: str, subject: str, method: str, notes: Sequence[str] = ()) -> Verdict:
    """Assemble the verdict of a ratio-valued claim from its findings.

    Where the machine's speed moved under some of them, the effect says so first, as their
    comparisons do: never a bare "N× faster" resting on them.
    """
    decided, conditions = decide(findings)
    share, halves = stability(findings, decided)
    if len(findings) == 1:  # one condition: its own confidence interval
        f = findings[0]
        text = _drifted(findings) + effect_text(f.ratio, f.ci_low, f.ci_high, better, worse, subject, 1)
        return Verdict(cid, claim, decided, text, f.ratio, f.ci_low, f.ci_high, conditions, tuple(findings), method, notes=tuple(notes),
                       stability=share, halves_agree=halves)
    ratio, low, high = pooled([f.ratio for f in findings if f.ratio])
    text = _drifted(findings) + effect_text(ratio, low, high, better, worse, subject, len(findings))
    return Verdict(cid, claim, decided, text, ratio, None, None, conditions, tuple(findings), method, notes=tuple(notes), range_low=low, range_high=high,
                   stability=share, halves_agree=halves)


def _drifted(findings: Sequence[Finding]) -> str:
    """``"depends on the machine's state (2 of 3 conditions): "`` where drift marked some findings, else ""."""
    from showdown.measure.paired import DEPENDS

    moved = sum(DEPENDS in f.detail for f in findings)  # a sessions warning may come first
    return f"{DEPENDS} ({moved} of {len(findings)} condition{'s' if len(findings) > 1 else ''}): " if moved else ""


def stability_text(v: Verdict) -> str:
    """``"stable in 97% of resamples of the rounds; odd and even rounds agree"``, or "" outside rounds."""
    return resampled_text("stable", v.stability, v.halves_agree)


def resampled_text(what: str, share: float | None, halves: bool | None) -> str:
    """``"{what} in 97% of resamples of the rounds; odd and even rounds agree"``, or "" without a share."""
    if share is None:
        return ""
    agree = {True: "; odd and even rounds agree", False: "; odd and even rounds disagree", None: ""}[halves]
    return f"{what} in {100 * share:.0f}% of resamples of the rounds{agree}"


def missing(cid: str, claim: str, command: str, what: str) -> Verdict:
    """The verdict of a claim the run has no data for, naming the command that would produce it."""
    return Verdict(cid, claim, "no data", f"this run has no {what}", missing=command)
