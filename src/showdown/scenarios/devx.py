"""Developer experience: the mistakes battery, debuggability under compilation, and code size.

One cell per framework, in its own process: every catalog mistake in each of the framework's
eager and compiled modes (verbatim messages, stage, evidence, traceback), print/breakpoint probes,
graph breaks and retraces per workload, compile times, and the code size of the hand-written
examples. Scores are computed from the stored observations, so anyone can recompute them.
"""

from __future__ import annotations

from typing import Any

from showdown.runner.config import CellConfig
from showdown.scenarios import common


def cell(payload: CellConfig | dict[str, Any], emit: common.Emit) -> dict[str, Any]:
    """Child-process entry of a ``devx`` cell (config: ``framework``, ``modes``, ``timing``, ``threads``)."""
    from showdown.devx import codesize, debug, probe

    cfg = CellConfig.of(payload, "devx")
    fw, settings = common.configure(cfg)
    observations = probe.run_battery(fw.name, cfg.modes)
    emit("progress", {"framework": fw.name, "stage": "mistakes", "count": len(observations)})
    obs = [o.to_dict() for o in observations]
    return {
        "observations": obs,
        "score": probe.score(obs),
        "formula": probe.FORMULA,
        "debug": debug.debuggability(fw.name, timing=cfg.timing is not False),
        "code_size": codesize.code_size(fw.name),
        "settings": settings,
        "environment": fw.environment(),
    }
