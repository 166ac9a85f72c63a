"""Warnings the run's views print: a busy machine at the start, and cells that shared the CPUs."""

from __future__ import annotations

from showdown.report.data import busy_warnings


def data(load: float, shares: list[float | None]) -> dict:
    cells = [{"key": f"train/torch/mlp/default/eager/bs{i}", "result": {"contention": {"other_share": s}} if s is not None else None}
             for i, s in enumerate(shares)]
    return {"run": {"environment": {"cpu": {"logical_cores": 2}, "load_average": [load, 0.0, 0.0]}}, "cells": cells}


def test_a_quiet_run_has_no_warning():
    assert busy_warnings(data(0.1, [0.0, 0.05, None])) == []


def test_busy_cells_are_named_worst_first():
    (cells,) = busy_warnings(data(1.4, [0.02, 0.6, 0.3, None]))
    assert "during 2 of 4 cells" in cells
    assert cells.index("bs1 (60%)") < cells.index("bs2 (30%)") and "bs0" not in cells


def test_load_at_the_start_counts_only_where_cells_measured_no_contention():
    # a high load average right after other work ended is no warning when every cell measured its own
    assert busy_warnings(data(1.4, [0.02, 0.01])) == []
    older = data(1.4, [None, None])
    (start,) = busy_warnings(older)
    assert "load average 1.40 on 2 cores" in start


def test_time_taken_by_other_guests_of_a_virtual_machine_counts_too():
    d = data(0.0, [0.1, 0.1])
    d["cells"][1]["result"]["contention"]["steal_share"] = 0.2
    (cells,) = busy_warnings(d)
    assert "during 1 of 2 cells" in cells and "bs1 (30%)" in cells


def test_many_busy_cells_name_the_worst_five():
    (cells,) = busy_warnings(data(0.0, [0.3 + i / 100 for i in range(8)]))
    assert "during 8 of 8 cells" in cells and cells.endswith(" ...") and "(37%)" in cells and "(30%)" not in cells
