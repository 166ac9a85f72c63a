"""The mistakes catalog written as a PyTorch user writes it (see :mod:`showdown.devx.catalog`).

Modes: ``eager``, and ``compiled``, where the user wraps what they call in ``torch.compile`` (default
inductor backend): the model for inference mistakes, and a ``loss_of(x, y)`` function (forward and
loss) for training mistakes. ``loss.backward()`` and ``opt.step()`` stay outside the compiled function,
as with ``model = torch.compile(model)``: compiling the optimizer step as well would add an optimizer
graph to every training mistake's compile time, and none of them is about the optimizer. Dynamo's
caches and counters are reset before each mistake, so no mistake reuses another's compiled code
(inductor's on-disk cache of compiled kernels stays, as it does for users).

Each function carries ``# FAULT`` on the line a reviewer would circle; :mod:`showdown.devx.probe`
checks whether the innermost traceback frame in this file is that line. Fixes (``@BATTERY.fix``)
compute the right answer eagerly from the same seeds.

Nearest-analogue notes: ``grads-not-reset`` is the missing ``opt.zero_grad()``, so ``.grad`` sums over
steps. ``inplace-autograd`` divides ``exp(z)`` in place, which ``ExpBackward`` saved for backward.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showdown.devx.catalog import Battery, Outcome, Skipped, Stage
from showdown.frameworks.base import MODES, check_mode

LABELS = (3, 1, 0, 7, 9, 2, 5, 4)


def _fresh(mode: str) -> None:
    """Seed, and in compiled mode forget every compiled graph and counter of earlier mistakes."""
    check_mode("torch", mode)
    torch.manual_seed(0)
    if mode == "compiled":
        from torch import _dynamo  # imported only when compiling: it takes seconds

        _dynamo.reset()
        _dynamo.utils.counters.clear()


BATTERY = Battery("torch", torch.__version__, MODES["torch"], prepare=_fresh, loggers=("torch",))


def _compiled(fn: Any, mode: str) -> Any:
    return torch.compile(fn) if mode == "compiled" else fn


def _data(*shape: int, seed: int = 0, scale: float = 1.0) -> torch.Tensor:
    rng = np.random.default_rng(seed)
    return torch.from_numpy((rng.standard_normal(shape) * scale).astype(np.float32))


def _labels(n: int = 8) -> torch.Tensor:
    return torch.tensor(LABELS[:n])


def _out(*tensors: torch.Tensor, **detail: Any) -> Outcome:
    value = tuple(t.detach().cpu().numpy() for t in tensors)
    return Outcome(value[0] if len(value) == 1 else value, detail)


def _compile_counts(mode: str) -> dict[str, int]:
    """Dynamo's counters since the last :func:`_fresh` (zeros in eager).

    ``graphs`` counts every graph compiled, recompilations included; ``graph_breaks`` and
    ``unimplemented`` are dynamo's two counters of constructs it could not trace (a data-dependent
    ``if`` lands in the second).
    """
    if mode != "compiled":
        return {"graphs": 0, "graph_breaks": 0, "unimplemented": 0}
    from torch._dynamo.utils import counters

    return {
        "graphs": int(counters["stats"]["unique_graphs"]),
        "graph_breaks": int(sum(counters["graph_break"].values())),
        "unimplemented": int(sum(counters["unimplemented"].values())),
    }


def _cnn(channels: int, side: int, filters: int) -> nn.Module:
    return nn.Sequential(nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(filters * side * side, 10))


def _bn_net() -> nn.Module:
    return nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Dropout(0.5), nn.Linear(16, 10))


@BATTERY.fault("dense-feature-size")
def dense_feature_size(mode: str, at: Stage) -> Outcome:
    model = _compiled(nn.Linear(100, 10), mode)
    images = _data(8, 784)  # flattened 28x28 images
    at("first-call")
    return _out(model(images))  # FAULT


@BATTERY.fault("conv-channels")
def conv_channels(mode: str, at: Stage) -> Outcome:
    model = _compiled(_cnn(3, 16, 8), mode)
    images = _data(2, 4, 16, 16)  # RGBA images kept their alpha channel
    at("first-call")
    return _out(model(images))  # FAULT


@BATTERY.fault("missing-batch-dim")
def missing_batch_dim(mode: str, at: Stage) -> Outcome:
    model = _compiled(_cnn(3, 8, 4), mode)
    image = _data(3, 8, 8)  # one CHW image
    at("first-call")
    return _out(model(image))  # FAULT


@BATTERY.fault("float64-input")
def float64_input(mode: str, at: Stage) -> Outcome:
    model = _compiled(nn.Linear(100, 10), mode)
    features = torch.from_numpy(np.random.default_rng(0).random((8, 100)))
    at("first-call")
    return _out(model(features))  # FAULT


@BATTERY.fix("float64-input")
def float64_input_fixed() -> Outcome:
    model = nn.Linear(100, 10)
    return _out(model(torch.from_numpy(np.random.default_rng(0).random((8, 100))).float()))


@BATTERY.fault("int-input")
def int_input(mode: str, at: Stage) -> Outcome:
    model = _compiled(nn.Linear(100, 10), mode)
    pixels = torch.from_numpy(np.random.default_rng(0).integers(0, 256, (8, 100)))
    at("first-call")
    return _out(model(pixels))  # FAULT


@BATTERY.fix("int-input")
def int_input_fixed() -> Outcome:
    model = nn.Linear(100, 10)
    return _out(model(torch.from_numpy(np.random.default_rng(0).integers(0, 256, (8, 100))).float()))


@BATTERY.fault("label-out-of-range")
def label_out_of_range(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(x), y)  # FAULT

    loss_of = _compiled(loss_of, mode)
    labels = torch.tensor([3, 12, 0, 7])  # the data has 13 classes; the model was built for 10
    at("first-call")
    loss = loss_of(_data(4, 20), labels)
    loss.backward()
    opt.step()
    return _out(model.weight, loss)


@BATTERY.fault("batch-size-mismatch")
def batch_size_mismatch(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(x), y)  # FAULT

    loss_of = _compiled(loss_of, mode)
    x, labels = _data(8, 20), _labels(6)  # labels sliced from the wrong batch
    at("first-call")
    loss = loss_of(x, labels)
    loss.backward()
    opt.step()
    return _out(model.weight, loss)


@BATTERY.fault("log-zero-nan")
def log_zero_nan(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        probs = model(x).softmax(dim=1)
        return -(F.one_hot(y, 10) * probs.log()).sum(dim=1).mean()  # FAULT

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20, scale=1000.0), _labels()))


@BATTERY.fix("log-zero-nan")
def log_zero_nan_fixed() -> Outcome:
    model = nn.Linear(20, 10)
    return _out(F.cross_entropy(model(_data(8, 20, scale=1000.0)), _labels()))


def _loss_fn(model: nn.Module, mode: str) -> Any:
    """The mean cross-entropy of ``model``, compiled in compiled mode."""
    return _compiled(lambda x, y: F.cross_entropy(model(x), y), mode)


@BATTERY.fault("eval-mode-forgotten")
def eval_mode_forgotten(mode: str, at: Stage) -> Outcome:
    model = _compiled(_bn_net(), mode)
    at("first-call")
    return _out(model(_data(8, 20, seed=1)))  # FAULT: modules start in training mode; no model.eval()


@BATTERY.fix("eval-mode-forgotten")
def eval_mode_forgotten_fixed() -> Outcome:
    model = _bn_net()
    model.eval()
    with torch.no_grad():
        return _out(model(_data(8, 20, seed=1)))


@BATTERY.fault("grads-not-reset")
def grads_not_reset(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_of = _loss_fn(model, mode)
    for step in range(3):
        at("first-call" if step == 0 else "later")
        loss_of(_data(8, 20, seed=step), _labels()).backward()
        opt.step()  # FAULT: no opt.zero_grad(), so .grad sums the gradients of every step so far
    return _out(model.weight)


@BATTERY.fix("grads-not-reset")
def grads_not_reset_fixed() -> Outcome:
    model = nn.Linear(20, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for step in range(3):
        opt.zero_grad()
        F.cross_entropy(model(_data(8, 20, seed=step)), _labels()).backward()
        opt.step()
    return _out(model.weight)


@BATTERY.fault("grads-not-recorded")
def grads_not_recorded(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_of = _loss_fn(model, mode)
    at("first-call")
    with torch.no_grad():  # FAULT: left over from the evaluation code
        loss = loss_of(_data(8, 20), _labels())
    loss.backward()
    opt.step()
    return _out(model.weight)


@BATTERY.fault("inplace-autograd")
def inplace_autograd(mode: str, at: Stage) -> Outcome:
    w = nn.Parameter(_data(20, 10, seed=3, scale=0.1))
    opt = torch.optim.SGD([w], lr=0.1)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        p = (x @ w).exp()
        p /= p.sum(dim=1, keepdim=True)  # FAULT: overwrites exp's output, which its backward needs
        return -p[torch.arange(len(y)), y].log().mean()

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    loss_of(_data(8, 20), _labels()).backward()
    opt.step()
    return _out(w)


@BATTERY.fix("inplace-autograd")
def inplace_autograd_fixed() -> Outcome:
    w = nn.Parameter(_data(20, 10, seed=3, scale=0.1))
    opt = torch.optim.SGD([w], lr=0.1)
    p = (_data(8, 20) @ w).exp()
    p = p / p.sum(dim=1, keepdim=True)
    (-p[torch.arange(8), _labels()].log().mean()).backward()
    opt.step()
    return _out(w)


@BATTERY.fault("side-effect-in-compiled")
def side_effect_in_compiled(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10)
    batch_sizes: list[int] = []

    def predict(x: torch.Tensor) -> torch.Tensor:
        batch_sizes.append(len(x))  # FAULT: a Python side effect inside the compiled function
        return model(x)

    predict = _compiled(predict, mode)
    for call in range(3):
        at("first-call" if call == 0 else "later")
        predict(_data(8, 20, seed=call))
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes), **_compile_counts(mode)})


@BATTERY.fix("side-effect-in-compiled")
def side_effect_in_compiled_fixed() -> Outcome:
    model = nn.Linear(20, 10)
    batch_sizes = []
    for call in range(3):
        x = _data(8, 20, seed=call)
        model(x)
        batch_sizes.append(len(x))
    return Outcome(len(batch_sizes), {"calls": 3, "side_effects": len(batch_sizes)})


@BATTERY.fault("data-dependent-control-flow")
def data_dependent_control_flow(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 10, bias=False)

    def predict(x: torch.Tensor) -> torch.Tensor:
        logits = model(x)
        if logits.sum() > 0:  # FAULT: Python branches on a tensor's value
            return logits.relu()
        return -logits

    predict = _compiled(predict, mode)
    x = _data(8, 20)
    at("first-call")
    first = predict(x)
    at("later")
    second = predict(-x)
    return _out(first, second, **_compile_counts(mode))


@BATTERY.fix("data-dependent-control-flow")
def data_dependent_control_flow_fixed() -> Outcome:
    model = nn.Linear(20, 10, bias=False)

    def predict(x: torch.Tensor) -> torch.Tensor:
        logits = model(x)
        return torch.where(logits.sum() > 0, logits.relu(), -logits)

    x = _data(8, 20)
    return _out(predict(x), predict(-x))


SHAPES = tuple(range(2, 8))


@BATTERY.fault("shape-change-recompile")
def shape_change_recompile(mode: str, at: Stage) -> Outcome:
    predict = _compiled(nn.Linear(20, 10), mode)
    seconds = []
    for i, n in enumerate(SHAPES):
        at("first-call" if i == 0 else "later")
        start = time.perf_counter()
        predict(_data(n, 20))  # FAULT: a new batch size on every call
        seconds.append(round(time.perf_counter() - start, 4))
    counts = _compile_counts(mode)
    storm = counts["graphs"] > len(SHAPES) / 2
    return Outcome(storm, {"shapes": len(SHAPES), "compiles": counts["graphs"], "call_seconds": seconds, **counts})


@BATTERY.fix("shape-change-recompile")
def shape_change_recompile_fixed() -> Outcome:
    return Outcome(False, {"shapes": len(SHAPES), "compiles": 0})


@BATTERY.fault("embedding-out-of-range")
def embedding_out_of_range(mode: str, at: Stage) -> Outcome:
    embed = _compiled(nn.Embedding(10, 4), mode)
    tokens = torch.tensor([[1, 12, 3]])  # token 12 never made it into the 10-token vocabulary
    at("first-call")
    return _out(embed(tokens))  # FAULT


@BATTERY.fault("device-mismatch")
def device_mismatch(mode: str, at: Stage) -> Outcome:
    if not torch.cuda.is_available():
        raise Skipped("no CUDA device: torch.cuda.is_available() is False")
    model = _compiled(nn.Linear(20, 10).cuda(), mode)
    x = _data(8, 20)
    at("first-call")
    return _out(model(x))  # FAULT


@BATTERY.fix("device-mismatch")
def device_mismatch_fixed() -> Outcome:
    model = nn.Linear(20, 10).cuda()
    return _out(model(_data(8, 20).cuda()))


@BATTERY.fault("softmax-into-logits-loss")
def softmax_into_logits_loss(mode: str, at: Stage) -> Outcome:
    model = nn.Sequential(nn.Linear(20, 10), nn.Softmax(dim=1))

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(model(x), y)  # FAULT: cross_entropy applies log_softmax itself

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20), _labels()))


@BATTERY.fix("softmax-into-logits-loss")
def softmax_into_logits_loss_fixed() -> Outcome:
    model = nn.Sequential(nn.Linear(20, 10))
    return _out(F.cross_entropy(model(_data(8, 20)), _labels()))


@BATTERY.fault("regression-target-shape")
def regression_target_shape(mode: str, at: Stage) -> Outcome:
    model = nn.Linear(20, 1)
    targets = _data(8, seed=1)  # one target per example, shape (8,)

    def loss_of(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return F.mse_loss(model(x), y)  # FAULT: (8, 1) against (8,) broadcasts to (8, 8)

    loss_of = _compiled(loss_of, mode)
    at("first-call")
    return _out(loss_of(_data(8, 20), targets))


@BATTERY.fix("regression-target-shape")
def regression_target_shape_fixed() -> Outcome:
    model = nn.Linear(20, 1)
    return _out(F.mse_loss(model(_data(8, 20)).squeeze(1), _data(8, seed=1)))
