"""Developer experience: the mistakes battery, debuggability under compilation, and code size.

One cell per framework, in its own process: every catalog mistake in each of the framework's
eager and compiled modes (verbatim messages, stage, evidence, traceback), print/breakpoint probes,
graph breaks and retraces per workload, compile times, and the code size of the hand-written
examples. Scores are computed from the stored observations, so anyone can recompute them.
"""

from __future__ import annotations

from typing import Any

from showdown.scenarios import common


def cell(payload: dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``devx`` cell (config: ``framework``, ``modes``, ``threads``)."""
    from showdown.devx import codesize, debug, probe

    fw, settings = common.configure(payload)
    observations = probe.run_battery(payload["framework"], payload.get("modes"))
    emit("progress", {"framework": fw.name, "stage": "mistakes", "count": len(observations)})
    obs = [o.to_dict() for o in observations]
    return {
        "observations": obs,
        "score": probe.score(obs),
        "formula": probe.FORMULA,
        "debug": debug.debuggability(payload["framework"], timing=payload.get("timing", True)),
        "code_size": codesize.code_size(payload["framework"]),
        "settings": settings,
        "environment": fw.environment(),
    }
