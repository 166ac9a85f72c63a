"""Write a run's report: ``report.html`` (self-contained), ``summary.md``, ``report.json``
(claims, advice, comparisons, deployment, devx) and the raw data (``run.json``,
``samples.csv``, ``summaries.csv``), all in one folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from showdown.errors import ConfigError
from showdown.store import Store

FILES = {"html": "report.html", "markdown": "summary.md", "json": "report.json", "run": "run.json", "csv": "samples.csv", "summaries": "summaries.csv"}


def gather(store: Store, run_id: str, profile: Any) -> dict[str, Any]:
    """Everything the report shows, computed once: run data, claims, advice under every profile."""
    from showdown.analysis import advisor, claims
    from showdown.analysis.evidence import RunView
    from showdown.report import data as D

    data = D.run(store, run_id)
    view = RunView(store, run_id)
    data["deploy"] = D.deploy(store, run_id)
    devx = D.devx(store, run_id)
    data["devx"] = {k: devx[k] for k in ("observations", "groups", "formula")}
    verdicts = claims.evaluate(store, run_id)
    advice = advisor.advise(store, run_id, profile)
    rankings = {name: advisor.advise(store, run_id, advisor.load_profile(name)).ranking for name in advisor.PROFILES}
    return {"data": data, "view": view, "verdicts": verdicts, "advice": advice, "rankings": rankings}


def write(store: Store, run_id: str, out_dir: Path, profile: Any) -> dict[str, Path]:
    """Write every file of the report into ``out_dir`` (created) and return their paths.

    Raises:
        ConfigError: When ``out_dir`` exists and is not a folder, or cannot be written.
    """
    from showdown.report import document, markdown
    from showdown.report.data import json_text
    from showdown.store.export import export_run

    out_dir = ensure_folder(Path(out_dir))
    g = gather(store, run_id, profile)
    export_run(store, run_id, out_dir, ("csv", "json"))
    paths = {k: out_dir / v for k, v in FILES.items()}
    payload = {"run_id": run_id, "claims": [v.to_dict() for v in g["verdicts"]], "advice": g["advice"].to_dict(), "rankings": g["rankings"],
               "comparisons": g["data"]["comparisons"], "break_even": g["data"]["break_even"], "deploy": g["data"]["deploy"],
               "devx": g["data"]["devx"], "manifest_flags": g["data"]["manifest_flags"]}
    atomic_text(paths["json"], json_text(payload))
    atomic_text(paths["markdown"], markdown.render(g["data"], g["verdicts"], g["advice"], FILES))
    atomic_text(paths["html"], document.render(g["data"], g["view"], g["verdicts"], g["advice"], g["rankings"], FILES))
    return paths


def ensure_folder(out_dir: Path) -> Path:
    """Create the output folder.

    Raises:
        ConfigError: When it exists as a file or cannot be created.
    """
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"report folder {out_dir} is a file: give --out a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create report folder {out_dir}: {exc.strerror or exc}") from None
    return out_dir


def atomic_text(path: Path, text: str) -> None:
    """Write text to a temporary name, then rename it into place (a reader never sees half a file)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
