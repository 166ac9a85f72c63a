"""The catalog of common mistakes, and the small contract each framework's battery fulfils.

Framework-neutral: this module names no framework. Each framework writes every mistake once, the
way a user of that framework would, in ``showdown.frameworks.<name>.mistakes``; that module fills a
:class:`Battery` with one *faulty* function per mistake and, where a right answer exists, a *correct*
counterpart. :mod:`showdown.devx.probe` runs them and records what happened.

A faulty function takes the execution mode and a :class:`Stage` marker, starts in stage
``"build"``, marks each later stage as it enters it (``"first-call"``, ``"later"``), and carries the
comment ``# FAULT`` on the line a reviewer would circle. It returns an :class:`Outcome` when nothing raised. A correct function
takes no argument and returns the right :class:`Outcome`, computed eagerly: it is the reference
answer, not a behaviour under test.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from showdown.errors import ConfigError, unknown

STAGES = ("build", "first-call", "later")
STATUSES = ("raised", "silent", "ok", "skipped")
CATEGORIES = ("shape", "dtype", "value", "numerics", "mode", "autograd", "compile", "device")


@dataclass(frozen=True)
class Mistake:
    """One common mistake, described without reference to any framework.

    Attributes:
        id: Short stable name, e.g. ``"dense-feature-size"``.
        title: One line for tables.
        description: What the user did wrong, in framework-neutral words.
        category: One of :data:`CATEGORIES`.
        evidence: Tokens a good error message would name. Every entry must be found; an entry may
            list alternatives separated by ``|`` (``"float64|double"``). Matching is
            case-insensitive; all-digit tokens must not touch other digits (``12`` is not in ``120``).
        should_raise: True when no right result exists, so an error is the only right behaviour;
            False when a correct result exists (the framework may also fix the input up silently).
        compile_only: The mistake only bites under compilation; eager mode shows the baseline.
        requires: A resource the mistake needs (``"cuda"``), or None.
    """

    id: str
    title: str
    description: str
    category: str
    evidence: tuple[str, ...]
    should_raise: bool
    compile_only: bool = False
    requires: str | None = None

    def __post_init__(self) -> None:
        if self.category not in CATEGORIES:
            raise unknown("mistake category", self.category, CATEGORIES)
        if not self.evidence:
            raise ConfigError(f"mistake {self.id!r} needs at least one evidence token")


def _m(id: str, title: str, category: str, evidence: tuple[str, ...], should_raise: bool, description: str, **kw: Any) -> Mistake:
    return Mistake(id, title, description, category, evidence, should_raise, **kw)


CATALOG: tuple[Mistake, ...] = (
    _m("dense-feature-size", "wrong feature size into a dense layer", "shape", ("784", "100"), True,
       "A dense layer built for 100 features is fed flattened 28x28 images (784 features)."),
    _m("conv-channels", "convolution channel mismatch", "shape", ("3", "4"), True,
       "A convolution built for RGB (3 channels) is fed RGBA images (4 channels)."),
    _m("missing-batch-dim", "single example without a batch dimension", "shape", ("8, 8, 3|3, 8, 8|batch",), True,
       "One 8x8 RGB image is passed to a small CNN without the leading batch dimension. A good message "
       "names the shape it received (8, 8, 3 or 3, 8, 8 by layout) or the missing batch dimension."),
    _m("float64-input", "float64 input to a float32 model", "dtype", ("float64|double",), False,
       "Features made by numpy (float64 by default) go straight into a float32 dense layer."),
    _m("int-input", "integer input to a float32 model", "dtype", ("int64|long|int32|integer",), False,
       "Raw integer pixel values (int64) go straight into a float32 dense layer."),
    _m("label-out-of-range", "class label >= num_classes", "value", ("12",), True,
       "Cross-entropy over 10 classes receives the label 12."),
    _m("batch-size-mismatch", "inputs and labels of different batch sizes", "shape", ("8", "6"), True,
       "A loss receives logits for 8 examples and labels for 6."),
    _m("log-zero-nan", "log(0) in a hand-written cross-entropy", "numerics", ("nan|inf",), False,
       "Cross-entropy written as -sum(onehot * log(softmax(logits))) on saturated logits: a probability "
       "underflows to 0, log gives -inf and 0 * -inf gives a NaN loss. The built-in loss is finite."),
    _m("eval-mode-forgotten", "predicting without switching to inference mode", "mode", ("train|eval|inference",), False,
       "A model with BatchNorm and Dropout is called for predictions without saying which mode to run "
       "in; wrong if the framework defaults to training mode (batch statistics, dropout on)."),
    _m("grads-not-reset", "gradient state carried across steps", "autograd", ("zero_grad|tape|accumulat|reset",), False,
       "A three-step training loop never resets the gradient machinery between steps."),
    _m("grads-not-recorded", "loss computed where gradients are not recorded", "autograd", ("grad",), True,
       "The forward pass runs where gradients are not recorded, then a training step is attempted."),
    _m("inplace-autograd", "in-place change of a value autograd needs", "autograd", ("inplace|in-place|assign|modified",), False,
       "A hand-written softmax normalises exp(z) in place (or writes it into a variable) inside the "
       "differentiated computation, then one SGD step is taken."),
    _m("side-effect-in-compiled", "Python side effect inside a compiled function", "compile", ("side effect|side-effect|trac",), False,
       "A compiled prediction function appends to a Python list on every call; called 3 times.", compile_only=True),
    _m("data-dependent-control-flow", "Python if on a tensor value inside a compiled function", "compile",
       ("control flow|data-dependent|data dependent|bool",), False,
       "A compiled function branches with a Python `if logits.sum() > 0:`; called once for each branch.",
       compile_only=True),
    _m("shape-change-recompile", "input shape changing every call under compilation", "compile", ("retrac|recompil",), False,
       "A compiled model is called with 6 different batch sizes (2..7). A recompilation storm is "
       "recorded when it compiles more than once per two distinct shapes.", compile_only=True),
    _m("embedding-out-of-range", "embedding index >= vocabulary size", "value", ("12",), True,
       "An embedding over 10 tokens is looked up with token id 12."),
    _m("device-mismatch", "model on the GPU, input on the CPU", "device", ("cuda|gpu", "cpu"), False,
       "The model's weights live on the GPU and the batch on the CPU.", requires="cuda"),
    _m("softmax-into-logits-loss", "probabilities passed to a loss that expects logits", "numerics",
       ("logit|softmax|probabilit",), False,
       "The model ends in softmax and its output goes to a cross-entropy that applies softmax itself."),
    _m("regression-target-shape", "regression target (N,) against predictions (N, 1)", "shape", ("broadcast|size|shape",), False,
       "Mean squared error between predictions of shape (8, 1) and targets of shape (8,): broadcasting "
       "can silently compare every prediction with every target."),
)
MISTAKE_IDS = tuple(m.id for m in CATALOG)


def mistake(mistake_id: str) -> Mistake:
    """Return the catalog entry for ``mistake_id``.

    Raises:
        ConfigError: When the id is not in the catalog, naming the valid ids.
    """
    for m in CATALOG:
        if m.id == mistake_id:
            return m
    raise unknown("mistake", mistake_id, MISTAKE_IDS)


class Skipped(Exception):
    """Raised by a faulty function when the mistake cannot be staged here (no GPU, say).

    A signal to the probe, not an error: it becomes the status ``"skipped"`` with this reason.
    """


class Stage:
    """The marker a faulty function calls as it enters each stage; remembers the last one."""

    def __init__(self) -> None:
        self.current: str | None = None

    def __call__(self, name: str) -> None:
        if name not in STAGES:
            raise unknown("stage", name, STAGES)
        self.current = name


@dataclass(frozen=True)
class Outcome:
    """What a faulty or correct function produced when it did not raise.

    Attributes:
        value: What is compared with the reference: numpy arrays, numbers, bools, or tuples of them.
        detail: JSON-able facts worth keeping (compile counts, timings, what a list held).
    """

    value: Any
    detail: Mapping[str, Any] = field(default_factory=dict)


Faulty = Callable[[str, Stage], Outcome]
Correct = Callable[[], Outcome]


class Battery:
    """One framework's implementations of the catalog, registered with decorators.

    Args:
        framework: The framework's registry name.
        version: The framework's version string, recorded with every observation.
        modes: The execution modes the battery supports.
        prepare: Called with the mode before every faulty function (with ``"eager"`` before every
            fix): seeds, and forgets state an earlier mistake left (compiled graphs, counters).
        loggers: Logger names whose warnings the probe records alongside Python warnings.
    """

    def __init__(self, framework: str, version: str, modes: tuple[str, ...], *,
                 prepare: Callable[[str], None] | None = None, loggers: tuple[str, ...] = ()) -> None:
        self.framework = framework
        self.version = version
        self.modes = modes
        self.prepare = prepare or (lambda mode: None)
        self.loggers = loggers
        self.faulty: dict[str, Faulty] = {}
        self.correct: dict[str, Correct] = {}

    def fault(self, mistake_id: str) -> Callable[[Faulty], Faulty]:
        """Register the decorated function as the faulty code of ``mistake_id``."""
        mistake(mistake_id)

        def register(fn: Faulty) -> Faulty:
            self.faulty[mistake_id] = fn
            return fn

        return register

    def fix(self, mistake_id: str) -> Callable[[Correct], Correct]:
        """Register the decorated function as the correct counterpart of ``mistake_id``."""
        mistake(mistake_id)

        def register(fn: Correct) -> Correct:
            self.correct[mistake_id] = fn
            return fn

        return register

    def run_faulty(self, mistake_id: str, mode: str, at: Stage) -> Outcome:
        """Prepare for ``mode``, enter the ``build`` stage and run the faulty code (which may raise)."""
        at("build")
        self.prepare(mode)
        return self.faulty[mistake_id](mode, at)

    def reference(self, mistake_id: str) -> Outcome:
        """Prepare for eager mode and run the fix: the right answer."""
        self.prepare("eager")
        return self.correct[mistake_id]()

    def missing(self) -> list[str]:
        """Catalog entries this battery lacks: a faulty function, or a fix where one is needed."""
        gaps = [f"{m.id} (faulty)" for m in CATALOG if m.id not in self.faulty]
        gaps += [f"{m.id} (correct)" for m in CATALOG if not m.should_raise and m.id not in self.correct]
        return gaps
