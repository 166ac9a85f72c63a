"""A plan — frameworks × workloads × scenarios × modes × batch sizes — and the cells it expands to.

Each cell is one child process and one row in the results database. Its key names it
(``train/torch/cnn/default/eager/bs32``) and its config (a :class:`~showdown.runner.config.CellConfig`)
is what the child receives.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from showdown.errors import ConfigError, positive_int, unknown
from showdown.deploy.paths import PATHS
from showdown.frameworks.base import ALL_MODES, DEFAULT_MODE, DEVICES, FRAMEWORKS, MODES, QUICK, contender, installed
from showdown.models.zoo import PRESETS, WORKLOADS
from showdown.runner.config import CellConfig
from showdown.runner.schedule import ROUNDED

# scenario -> child entry point
TARGETS: dict[str, str] = {
    "train": "showdown.scenarios.train:cell",
    "infer": "showdown.scenarios.infer:cell",
    "serve": "showdown.scenarios.serve:cell",
    "dynamic": "showdown.scenarios.dynamic:cell",
    "accuracy": "showdown.scenarios.accuracy:cell",
    "coldstart": "showdown.scenarios.coldstart:cell",
    "deploy": "showdown.scenarios.deploy:cell",
    "footprint": "showdown.scenarios.deploy:footprint_cell",
    "devx": "showdown.scenarios.devx:cell",
}
SCENARIOS = tuple(TARGETS)
# the scenarios whose cells log TensorBoard scalars when the plan names a directory
TENSORBOARD_SCENARIOS = ("train", "accuracy")
SUITES = ("quick", "full")
# ``contender:mode`` in a plan's modes selects that mode for that contender only (``keras-torch:eager``)
QUALIFIER = ":"
# The quick suite: one workload (the CNN, which C1 is about) in up to 12 rounds, and a wall-clock
# budget for the whole run that keeps it under 10 minutes on 2 cores. Depth before breadth: with the
# transformer as well, a round took ~62 s against ~30 s and only 2 rounds fitted the budget after
# the cells outside rounds (2-core Intel Xeon VM), too few for any decision (5 at the least)
QUICK_WORKLOADS = ("cnn",)
QUICK_ROUNDS = 12
QUICK_BUDGET_S = 570.0
# DEFAULT_MODE (from the contenders' descriptions): the mode each framework's users train in by
# default (PyTorch runs eagerly; Keras compiles the training step with tf.function). Time to
# accuracy and cold start use it.


@dataclass(frozen=True)
class Plan:
    """What one run measures. Validated at construction; see :func:`suite` for the presets."""

    suite: str = "quick"
    frameworks: tuple[str, ...] = QUICK
    workloads: tuple[str, ...] = WORKLOADS
    scenarios: tuple[str, ...] = ("train", "infer", "dynamic", "accuracy", "coldstart", "deploy", "footprint", "devx")
    modes: tuple[str, ...] = ("eager", "function")
    train_batch_sizes: tuple[int, ...] = (32,)
    infer_batch_sizes: tuple[int, ...] = (1, 32)
    serve_scenarios: tuple[str, ...] = ("offline", "server")
    # one float32 path per runtime: ONNX Runtime from both frameworks, LiteRT, ExecuTorch
    paths: tuple[str, ...] = ("onnx-ort", "executorch-xnnpack", "litert", "tf-onnx-ort")
    preset: str = "default"
    device: str = "cpu"
    threads: int | None = None
    inter_op_threads: int | None = None
    budget_s: float = 3.0
    # 4 per side is the fewest with which a Mann–Whitney test can reach p < 0.05 (3 vs 3: 0.1)
    seeds: tuple[int, ...] = (0, 1, 2, 3)
    coldstart_repeats: int = 4
    # fresh passes over new shapes per dynamic cell (4: as for seeds)
    dynamic_repeats: int = 4
    # varying shapes in each framework's default mode only (the quick suite, unless modes are chosen)
    dynamic_default_modes: bool = False
    timeout_s: float = 600.0
    memory_mb: int | None = None
    # TensorBoard root: each train and accuracy cell logs under its own subdirectory (see logdir)
    tensorboard: str | None = None
    # Rounds (0: none): train, infer, dynamic, coldstart and accuracy run as paired rounds of fresh processes, at most this many
    # (see :mod:`showdown.runner.schedule` and :mod:`showdown.runner.rounds`), each process warming
    # up and measuring for ``window_s`` seconds; ``schedule_seed`` orders the rounds (drawn at start).
    rounds: int = 0
    window_s: float = 1.0
    schedule_seed: int | None = None
    # wall-clock seconds for the run, a hard stop for its rounds (None: no limit)
    time_budget_s: float | None = None
    # Sessions (``showdown run --append``): the session the rounds below belong to, its first round,
    # and every session so far (see :mod:`showdown.runner.sessions`; empty: the run's one session)
    session: int = 1
    first_round: int = 1
    sessions: tuple[dict[str, Any], ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _check_all("framework", self.frameworks, FRAMEWORKS)
        _check_all("workload", self.workloads, WORKLOADS)
        _check_all("scenario", self.scenarios, SCENARIOS)
        _check_all("device", (self.device,), DEVICES)
        _check_all("preset", (self.preset,), PRESETS)
        if "deploy" in self.scenarios or "footprint" in self.scenarios:
            _check_all("deployment path", self.paths, tuple(PATHS))
        self._check_modes()
        for f in self.frameworks:
            if not self.modes_of(f):
                raise ConfigError(f"no mode of {f} selected: {f} has {', '.join(MODES[f])}")
        for size in (*self.train_batch_sizes, *self.infer_batch_sizes):
            positive_int("batch size", size)
        positive_int("dynamic repeats", self.dynamic_repeats)
        if not self.budget_s > 0:
            raise ConfigError(f"time budget must be positive, got {self.budget_s}")
        if self.rounds != 0:
            self._check_rounds()
        if not self.window_s > 0:
            raise ConfigError(f"measuring window must be positive, got {self.window_s}")
        if self.time_budget_s is not None and not self.rounds:
            raise ConfigError(f"a time budget ({self.time_budget_s:g} s) bounds the rounds: add --rounds N (N >= 4)")
        if self.time_budget_s is not None and not self.time_budget_s > 0:
            raise ConfigError(f"time budget must be positive, got {self.time_budget_s}")
        positive_int("session", self.session)
        positive_int("first round", self.first_round)
        if self.tensorboard is not None and not (isinstance(self.tensorboard, str) and self.tensorboard.strip()):
            raise ConfigError(f"TensorBoard directory must be a path, got {self.tensorboard!r}")

    def _check_rounds(self) -> None:
        from showdown.measure.paired import MIN_ROUNDS

        if isinstance(self.rounds, bool) or not isinstance(self.rounds, int) or self.rounds < MIN_ROUNDS:
            raise ConfigError(f"rounds must be 0 (no rounds) or at least {MIN_ROUNDS}, got {self.rounds!r}")

    def _check_modes(self) -> None:
        valid = sorted({m for f in self.frameworks for m in MODES[f]})
        if not self.modes:
            _check_all("mode", self.modes, valid)
        for entry in self.modes:
            framework, qualified, mode = entry.rpartition(QUALIFIER)
            if not qualified:
                _check_all("mode", (mode,), valid)
            elif framework not in self.frameworks:
                raise ConfigError(f"mode {entry!r} names {framework!r}, which this plan does not measure: "
                                  f"its contenders are {', '.join(self.frameworks)}")
            elif mode not in MODES[framework]:
                raise unknown(f"mode of {framework}", mode, MODES[framework])

    def modes_of(self, framework: str) -> tuple[str, ...]:
        """The selected modes this framework has: the plain ones it has, and those named for it (``jax:jit``)."""
        chosen = []
        for entry in self.modes:
            owner, qualified, mode = entry.rpartition(QUALIFIER)
            if (owner == framework) if qualified else (mode in MODES[framework]):
                chosen.append(mode)
        return tuple(dict.fromkeys(chosen))

    def cells(self) -> list[tuple[str, CellConfig]]:
        """Expand into ``(key, config)`` pairs, scenario by scenario, in a stable order.

        With rounds, the scenarios measured in rounds are left out: their cells are made round by
        round from :meth:`sides`.
        """
        out: list[tuple[str, CellConfig]] = []
        for scenario in self.scenarios:
            if self.rounds and scenario in ROUNDED:
                continue
            if scenario == "footprint":
                out += self._footprints()
                continue
            if scenario == "devx":  # the contenders that have a mistakes battery
                out += [(f"devx/{f}", self._base("devx", f, None)) for f in self.frameworks if contender(f).has("mistakes")]
                continue
            for framework in self.frameworks:
                for workload in self.workloads:
                    out += self._expand(scenario, framework, workload)
        return self._with_logdirs(out)

    def sides(self) -> dict[str, CellConfig]:
        """With rounds, the sides of the scenarios measured in rounds: side key → config (else empty)."""
        if not self.rounds:
            return {}
        out = [kc for s in self.scenarios if s in ROUNDED for f in self.frameworks for w in self.workloads for kc in self._expand(s, f, w)]
        # each framework's default mode first: a shared process's first part (the one that reads
        # memory) is then a default-mode side in the first rounds
        out.sort(key=lambda kc: kc[1].mode != DEFAULT_MODE.get(kc[1].framework))
        return dict(out)

    def _with_logdirs(self, cells: list[tuple[str, CellConfig]]) -> list[tuple[str, CellConfig]]:
        if self.tensorboard is None:
            return cells
        return [(k, replace(c, tensorboard=logdir(self.tensorboard, k)) if c.scenario in TENSORBOARD_SCENARIOS else c) for k, c in cells]

    def _base(self, scenario: str, framework: str, workload: str | None) -> CellConfig:
        return CellConfig(scenario, framework, workload, preset=self.preset, device=self.device, threads=self.threads,
                          inter_op_threads=self.inter_op_threads, budget_s=self.budget_s, seed=0)

    def _expand(self, scenario: str, framework: str, workload: str) -> list[tuple[str, CellConfig]]:
        base = self._base(scenario, framework, workload)
        stem = f"{scenario}/{framework}/{workload}/{self.preset}"
        if scenario == "accuracy":
            mode = DEFAULT_MODE[framework]
            return [(f"{stem}/{mode}", replace(base, mode=mode, batch_size=32, seeds=self.seeds))]
        if scenario == "deploy":
            chosen = [p for p in self.paths if PATHS[p].framework == framework]
            return [(f"{stem}/{p}", replace(base, mode="eager", batch_size=1, path=p)) for p in chosen]
        if scenario == "coldstart":
            return [(f"{stem}/eager", replace(base, mode="eager", batch_size=1, repeats=self.coldstart_repeats))]
        if scenario == "dynamic":  # the batch size varies within the cell
            modes = self.modes_of(framework)
            if self.dynamic_default_modes and DEFAULT_MODE.get(framework) in modes:
                modes = (DEFAULT_MODE[framework],)
            return [(f"{stem}/{m}", replace(base, mode=m, repeats=self.dynamic_repeats)) for m in modes]
        sizes = self.train_batch_sizes if scenario == "train" else self.infer_batch_sizes
        out = []
        for mode in self.modes_of(framework):
            for bs in sizes:
                cfg = replace(base, mode=mode, batch_size=bs)
                if scenario == "serve":
                    for ls in self.serve_scenarios:
                        out.append((f"{stem}/{mode}/bs{bs}/{ls}", replace(cfg, loadgen_scenario=ls)))
                else:
                    out.append((f"{stem}/{mode}/bs{bs}", cfg))
        return out

    def _footprints(self) -> list[tuple[str, CellConfig]]:
        runtimes = dict.fromkeys(PATHS[p].runtime for p in self.paths if PATHS[p].framework in self.frameworks)
        runtimes.update(dict.fromkeys(self.frameworks))  # the source frameworks are runtimes too
        return [(f"footprint/{r}", CellConfig("footprint", runtime=r, repeats=3)) for r in runtimes]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form, stored with the run."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """Rebuild a stored plan (lists back to tuples)."""
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items()})


def logdir(root: str, key: str) -> str:
    """A cell's TensorBoard directory: one per cell under ``root``, so TensorBoard shows each as a run.

    Example: ``logdir("tb", "train/torch/cnn/default/eager/bs32")`` is ``tb/train-torch-cnn-default-eager-bs32``.
    """
    return os.path.join(root, key.replace("/", "-"))


def _check_all(kind: str, values: tuple[Any, ...], valid: tuple[str, ...] | list[str]) -> None:
    if not values:
        raise ConfigError(f"no {kind} selected: choose from {', '.join(valid)}")
    for value in values:
        if value not in valid:
            raise unknown(kind, value, valid)


def suite(name: str, **overrides: Any) -> Plan:
    """The named suite with the user's overrides applied.

    ``quick`` holds every measurement the claims and the advisor need and takes about 9½ minutes
    on a 2-core CPU: the CNN, each framework's default mode plus TensorFlow's eager mode, one
    training batch size, batch 1 and 32 for inference and cold start, passes over varying shapes
    in the default modes (unless ``modes`` is given), and time to accuracy (one seed a round), all
    measured in up to 12 paired rounds of fresh processes (half-second windows) within a 9½-minute
    budget for the whole run; before them four float32 deployment
    paths (ONNX Runtime from each framework, ExecuTorch, LiteRT) with the runtimes' footprints, and
    the mistakes battery. ``full`` adds the MLP, the LSTM and the transformer, every mode, a batch sweep from 1 to 256,
    the LoadGen server/offline scenarios, 5 seeds, 5 cold starts and every deployment path, with
    no rounds unless asked for.

    With ``frameworks`` chosen and no ``modes``, the quick suite measures each chosen contender in
    its default mode as well, for that contender only (``jax:jit``, not ``jit``: keras-torch's jit
    mode compiles for about a minute on each pass over new shapes, which the budget's rounds would pay). A mode named ``contender:mode``
    applies to that contender alone; a plain one to every contender that has it.

    ``rounds=0`` turns the quick suite's rounds off, and its time budget with them; a plan with no
    scenario measured in rounds has none either.
    """
    if name not in SUITES:
        raise unknown("suite", name, SUITES)
    plan = Plan(suite=name)
    if name == "quick":
        plan = replace(plan, workloads=QUICK_WORKLOADS, rounds=QUICK_ROUNDS, window_s=0.5, time_budget_s=QUICK_BUDGET_S,
                       dynamic_default_modes="modes" not in {k for k, v in overrides.items() if v is not None})
    if name == "full":
        plan = replace(
            plan,
            frameworks=installed() or FRAMEWORKS,
            scenarios=SCENARIOS,
            modes=ALL_MODES,
            train_batch_sizes=(16, 64, 256),
            infer_batch_sizes=(1, 8, 32, 128, 256),
            budget_s=10.0,
            seeds=(0, 1, 2, 3, 4),
            coldstart_repeats=5,
            paths=tuple(PATHS),
        )
    fields = {k: v for k, v in overrides.items() if v is not None}
    if "frameworks" in fields and "modes" not in fields:
        chosen = tuple(m for m in plan.modes if any(m in MODES.get(f, ()) for f in fields["frameworks"]))
        if name == "quick":  # and each chosen contender's default mode, for that contender only
            chosen += tuple(f"{f}{QUALIFIER}{DEFAULT_MODE[f]}" for f in fields["frameworks"]
                            if f in DEFAULT_MODE and DEFAULT_MODE[f] not in chosen)
        fields["modes"] = chosen
    scenarios = fields.get("scenarios", plan.scenarios)
    if fields.get("rounds") == 0 or ("rounds" not in fields and not set(scenarios) & set(ROUNDED)):
        fields["rounds"] = 0
        fields.setdefault("time_budget_s", None)
    return replace(plan, **fields)
