"""``showdown run``: run a benchmark suite (or resume one) and store every sample."""

from __future__ import annotations

import argparse
import shlex
import sys

from showdown.cli import options


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``run`` command."""
    p = sub.add_parser("run", help="run a benchmark suite and store every sample", description=__doc__)
    p.add_argument("--suite", help="quick (about 9½ min on 2 cores) or full (default: quick)")
    p.add_argument("--frameworks", nargs="+", metavar="F", help=options.frameworks_help(default=options.quick_help()))
    p.add_argument("--workloads", nargs="+", metavar="W", help="mlp, cnn, lstm, transformer (quick: cnn; full: all)")
    p.add_argument("--scenarios", nargs="+", metavar="S", help="train, infer, serve, dynamic, accuracy, coldstart")
    p.add_argument("--modes", nargs="+", metavar="M", help=options.modes_help())
    p.add_argument("--batch-sizes", nargs="+", metavar="N", help="batch sizes for train and infer")
    p.add_argument("--preset", help="size preset: tiny, default, large (default: default)")
    p.add_argument("--device", help="cpu or cuda (default: cpu)")
    p.add_argument("--threads", help="intra- and inter-op threads for both frameworks (default: all cores)")
    p.add_argument("--budget", help="wall-clock budget of the run, a hard stop for its rounds: 90s, 10m, 1h (quick: 570s; needs rounds)")
    p.add_argument("--cell-budget", help="measurement seconds per cell outside rounds (default: suite's)")
    p.add_argument("--rounds", help="measure train, infer, dynamic, coldstart and accuracy in up to N paired rounds of fresh processes (N >= 4, or 0 for none; quick: 12, full: 0)")
    p.add_argument("--window", help="with rounds: measuring seconds per process (quick: 0.5, full: 1)")
    p.add_argument("--timeout", help="seconds a cell may take before it is killed (default: 600)")
    p.add_argument("--memory-mb", help="memory cap per cell in MiB (default: 75%% of the machine's memory)")
    p.add_argument("--notes", help="free text stored with the run")
    p.add_argument("--tensorboard", metavar="DIR", help="write TensorBoard scalars of training cells under DIR")
    p.add_argument("--resume", metavar="RUN_ID", help="run the cells an interrupted run is missing")
    p.add_argument("--append", metavar="RUN_ID", help="add a session of rounds to a finished run (same machine and versions; "
                                                     "takes --rounds, --budget and --notes), pooled with its earlier sessions")
    options.add_db(p)
    options.add_json(p)
    p.set_defaults(func=run)


def plan_from(args: argparse.Namespace):
    """Build and validate the plan the options describe."""
    from showdown.errors import positive_int
    from showdown.frameworks.base import FRAMEWORKS, require
    from showdown.measure.fairness import default_threads
    from showdown.runner import plan as P

    # without --frameworks the suite chooses (quick: the contenders marked for it; full: every installed one)
    frameworks = tuple(options.choices("framework", args.frameworks, FRAMEWORKS, default=()))
    effective = frameworks or P.suite(args.suite or "quick").frameworks
    for name in effective:
        require(name)
    threads = options.threads_option(args.threads) or default_threads()
    sizes = tuple(options.positive_ints("batch size", args.batch_sizes, ()))
    budget = options.seconds("cell budget", args.cell_budget)
    timeout = options.seconds("timeout", args.timeout)
    memory = positive_int("memory cap (MiB)", args.memory_mb) if args.memory_mb is not None else default_memory_mb()
    return P.suite(
        args.suite or "quick",
        frameworks=frameworks or None,
        workloads=tuple(options.split(args.workloads)) or None,
        scenarios=tuple(options.split(args.scenarios)) or None,
        modes=tuple(options.split(args.modes)) or None,
        train_batch_sizes=sizes or None,
        infer_batch_sizes=sizes or None,
        preset=args.preset,
        device=args.device,
        threads=threads,
        inter_op_threads=threads,
        budget_s=budget,
        timeout_s=timeout,
        memory_mb=memory,
        tensorboard=tensorboard_dir(args.tensorboard, effective),
        rounds=rounds_option(args.rounds),
        window_s=options.seconds("measuring window", args.window),
        time_budget_s=options.duration("time budget", args.budget),
    )


def rounds_option(value: str | None) -> int | None:
    """``--rounds``: None (the suite's), 0 (no rounds) or a positive count, checked by the plan."""
    from showdown.errors import positive_int

    if value is None:
        return None
    return 0 if value.strip() == "0" else positive_int("rounds", value)


def tensorboard_dir(value: str | None, frameworks: tuple[str, ...]) -> str | None:
    """Check ``--tensorboard`` (None stays None) and return it as an absolute path; creates nothing.

    Raises:
        ConfigError: When the path exists and is not a directory.
        FrameworkUnavailable: When a framework's writer needs a package that is not installed.
    """
    import os

    from showdown.errors import ConfigError
    from showdown.frameworks.base import require_scalar_writer

    if value is None:
        return None
    path = os.path.abspath(os.path.expanduser(value)) if value.strip() else value
    if os.path.exists(path) and not os.path.isdir(path):
        raise ConfigError(f"TensorBoard directory {value!r} exists and is not a directory")
    for name in frameworks:
        require_scalar_writer(name)
    return path


def make_tensorboard_dir(path: str) -> None:
    """Create the TensorBoard root before any cell runs, naming the path when that fails."""
    import os

    from showdown.errors import ConfigError

    try:
        os.makedirs(path, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create TensorBoard directory {path!r}: {exc.strerror or exc}") from None


def default_memory_mb() -> int | None:
    """75 % of physical memory: a runaway cell is killed before the system's OOM killer acts."""
    import os

    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") * 0.75 / 2**20)
    except (ValueError, OSError, AttributeError):
        return None


def rounds_preview(args: argparse.Namespace, plan) -> str:
    """The plan's rounds in words, estimated from the database's history when it exists (read only).

    Raises:
        ConfigError: When the time budget cannot fit one round, naming the smallest that does.
    """
    from pathlib import Path

    from showdown.runner import estimate
    from showdown.store import Store, default_db_path

    path = Path(args.db).expanduser() if args.db else default_db_path()
    past = {}
    if path.exists():
        with Store.open(path, create=False) as store:
            past = estimate.history(store)
    return estimate.preview(past, plan)[0]


#: What a later session keeps from its run: the options that would change the plan.
PLAN_OPTIONS = ("suite", "frameworks", "workloads", "scenarios", "modes", "batch_sizes", "preset", "device", "threads", "cell_budget",
                "window", "timeout", "memory_mb", "tensorboard", "resume")


def append_session(args: argparse.Namespace, store):
    """``--append``: the new session's run id, plan and preview, checked; the session is stored last.

    Raises:
        ConfigError: What :func:`showdown.runner.sessions.plan_session` refuses, or a budget that
            cannot fit one round.
    """
    from showdown.runner import estimate, sessions

    run_id = store.resolve_run(args.append)
    plan = sessions.plan_session(store, run_id, rounds=rounds_option(args.rounds), time_budget_s=options.duration("time budget", args.budget),
                                 argv=sys.argv[1:], notes=args.notes)
    preview = estimate.preview(estimate.history(store), plan, cells=[])[0]
    sessions.open_session(store, run_id, plan)
    return run_id, plan, preview


def check_append(args: argparse.Namespace) -> None:
    """Refuse options ``--append`` cannot take (those that would change the plan, ``--rounds 0``), before any file is touched."""
    from showdown.errors import ConfigError

    given = [name for name in PLAN_OPTIONS if getattr(args, name) is not None]
    if given:
        flag = "--" + given[0].replace("_", "-")
        raise ConfigError(f"{flag} cannot be given with --append, which adds rounds to the run as it was planned: "
                          "with --append choose from --rounds, --budget, --notes")
    if rounds_option(args.rounds) == 0:
        raise ConfigError("--rounds 0 with --append adds no rounds: give at least 4, or leave it out for the run's own")


def run(args: argparse.Namespace) -> int:
    """Run, resume or append a session, with a progress bar; print the results and where they are stored."""
    from showdown.runner import execute as X
    from showdown.runner.config import stored
    from showdown.runner.plan import Plan

    if args.append:
        check_append(args)
    plan = None if args.resume or args.append else plan_from(args)  # bad options fail before any file is touched
    preview = rounds_preview(args, plan) if plan is not None and plan.rounds else None
    if plan is not None and plan.tensorboard:
        make_tensorboard_dir(plan.tensorboard)
    store = options.open_store(args, create=not args.append)
    if args.append:
        run_id, plan, preview = append_session(args, store)
        if plan.tensorboard:
            make_tensorboard_dir(plan.tensorboard)
    elif plan is None:
        run_id = store.resolve_run(args.resume)
        plan = Plan.from_dict(store.get_run(run_id).plan)
        if plan.tensorboard:
            make_tensorboard_dir(plan.tensorboard)
        store.add_cells(run_id, stored(plan.cells()))
    else:
        run_id = X.start(store, plan, sys.argv[1:], args.notes)
    pending = len(store.pending_cells(run_id))
    if args.append:
        print(f"run {run_id}, session {plan.session}: up to {plan.rounds} rounds from round {plan.first_round}, results in {store.path}", file=sys.stderr)
    else:
        print(f"run {run_id}: {pending} cells to measure, results in {store.path}", file=sys.stderr)
    if preview:
        print(f"rounds: {preview}", file=sys.stderr)
    from showdown.report import data as D
    from showdown.report import terminal

    try:
        with terminal.progress(pending + len(plan.sides()) * plan.rounds) as advance:
            status = X.execute(store, run_id, plan, on_progress=advance)
    except KeyboardInterrupt:
        done = sum(c.status in ("ok", "failed") for c in store.cells(run_id))
        print(
            f"\ninterrupted: {done} of {len(store.cells(run_id))} cells are saved in {store.path}; "
            f"resume with: showdown run --resume {run_id} --db {store.path}",
            file=sys.stderr,
        )
        return 130
    if args.json:
        terminal.dump_json(D.run(store, run_id))
    else:
        terminal.show_run(store, run_id)
        print(f"\nrun {run_id} {status}: results in {store.path} (showdown show {run_id})")
    if plan.tensorboard:  # on stderr with --json, where stdout is the JSON alone
        print(f"TensorBoard: tensorboard --logdir {shlex.quote(plan.tensorboard)}", file=sys.stderr if args.json else sys.stdout)
    return 0
