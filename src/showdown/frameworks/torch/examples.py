"""The zoo's workloads as a PyTorch user would write them by hand, for the code-size comparison.

Each model is the ``default`` preset of :mod:`showdown.models.zoo` written the way PyTorch's own
tutorials and torchvision write models: an ``nn.Module`` subclass whose constructor defaults are the
preset, plus one training step (zero_grad, forward, loss, backward, step). The objects named in
:data:`SOURCES` are what :mod:`showdown.devx.codesize` measures, read from this file without
importing it; everything below the "not counted" line only lets tests build and train them.

House rules, the same as in :mod:`showdown.frameworks.tensorflow.examples`, so that neither side
is written in a longer style than the other:

* no type annotations and no comments in the counted objects (docstrings are allowed: the counter
  skips them); imports are not counted;
* the spec's hyperparameters are matched exactly (BatchNorm momentum 0.1 and eps 1e-5, LayerNorm
  eps 1e-5, dropout 0.1, no attention bias). Where the spec's value is PyTorch's default this side
  writes nothing; the Keras side pays tokens to spell it out.

``nn.LSTM`` keeps two biases per gate (``bias_ih`` and ``bias_hh``) where the spec and Keras have
one; a user would not remove the redundant one, so this example keeps it and
:func:`parameter_count` reports it separately (``redundant``): 2 layers x 4 gates x 128 = 1,024.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from showdown.devx.codesize import module_kwargs

#: Top-level objects whose source counts for each workload: the model and the training step.
SOURCES = {
    "mlp": ["MLP"],
    "cnn": ["BasicBlock", "CNN"],
    "lstm": ["LSTMClassifier"],
    "transformer": ["EncoderBlock", "Transformer"],
    "train_step": ["train_step"],
}


class MLP(nn.Module):
    """Three ReLU hidden layers of 512 over 784 inputs, and a linear head."""

    def __init__(self, in_features=784, hidden=512, depth=3, num_classes=10):
        super().__init__()
        layers = []
        for _ in range(depth):
            layers += [nn.Linear(in_features, hidden), nn.ReLU()]
            in_features = hidden
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        return self.head(self.body(x))


class BasicBlock(nn.Module):
    """Two 3x3 conv+BN with a residual connection; a 1x1 conv+BN shortcut when the shape changes."""

    def __init__(self, in_channels, channels, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(channels)
        self.shortcut = nn.Identity()
        if stride != 1 or in_channels != channels:
            self.shortcut = nn.Sequential(nn.Conv2d(in_channels, channels, 1, stride, bias=False), nn.BatchNorm2d(channels))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class CNN(nn.Module):
    """A small ResNet: stem, three stages of two blocks (16, 32, 64 channels), pool, linear head."""

    def __init__(self, in_channels=3, width=16, stages=3, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, width, 3, 1, 1, bias=False), nn.BatchNorm2d(width), nn.ReLU())
        blocks, channels = [], width
        for stage in range(stages):
            for i in range(2):
                stride = 2 if stage > 0 and i == 0 else 1
                blocks.append(BasicBlock(channels, width * 2**stage, stride))
                channels = width * 2**stage
        self.blocks = nn.Sequential(*blocks)
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x):
        x = self.blocks(self.stem(x))
        return self.head(x.mean(dim=(2, 3)))


class LSTMClassifier(nn.Module):
    """Two stacked LSTM layers of 128 over (32 steps, 32 features); the last step feeds the head."""

    def __init__(self, in_features=32, hidden=128, num_layers=2, num_classes=10):
        super().__init__()
        self.lstm = nn.LSTM(in_features, hidden, num_layers, batch_first=True)
        self.head = nn.Linear(hidden, num_classes)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


class EncoderBlock(nn.Module):
    """Pre-norm encoder block: x + MHA(LN(x)), then x + MLP(LN(x)) with a GELU MLP."""

    def __init__(self, dim, heads, mlp_dim, dropout=0.1):
        super().__init__()
        self.ln1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, dropout=dropout, bias=False, batch_first=True)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Dropout(dropout), nn.Linear(mlp_dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        h = self.ln1(x)
        x = x + self.drop(self.attn(h, h, h, need_weights=False)[0])
        return x + self.drop(self.mlp(self.ln2(x)))


class Transformer(nn.Module):
    """Linear embedding, learned positions, two encoder blocks, final LayerNorm, mean pool, head."""

    def __init__(self, seq_len=64, in_features=32, dim=128, depth=2, heads=4, num_classes=10, dropout=0.1):
        super().__init__()
        self.embed = nn.Linear(in_features, dim)
        self.pos = nn.Parameter(torch.zeros(seq_len, dim))
        self.blocks = nn.Sequential(*[EncoderBlock(dim, heads, 2 * dim, dropout) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x):
        x = self.blocks(self.embed(x) + self.pos)
        return self.head(self.norm(x).mean(dim=1))


def train_step(model, optimizer, x, y):
    """One optimisation step on a batch; returns the loss as a Python float."""
    model.train()
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()


# --- not counted: what tests need to build and train the examples ------------------------------

MODELS = {"mlp": MLP, "cnn": CNN, "lstm": LSTMClassifier, "transformer": Transformer}



def build(workload: str, preset: str | None = None) -> nn.Module:
    """The example model of ``workload``.

    Args:
        workload: A zoo workload.
        preset: A zoo preset whose sizes are passed to the constructor; None keeps the
            constructor's defaults, which are the ``default`` preset.
    """
    return MODELS[workload](**({} if preset is None else module_kwargs(workload, preset)))


def parameter_count(model: nn.Module) -> dict[str, int]:
    """Trainable scalars, and how many of them the spec does not have (``nn.LSTM``'s ``bias_hh``).

    Returns:
        ``{"trainable": n, "redundant": k}``; ``n - k`` is what the spec counts.
    """
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    redundant = sum(p.numel() for n, p in model.named_parameters() if "bias_hh_l" in n and p.requires_grad)
    return {"trainable": int(trainable), "redundant": int(redundant)}


def train_once(model: nn.Module, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Run the counted :func:`train_step` once with SGD on a canonical batch (NHWC images).

    Returns:
        ``{"loss": float, "logits_shape": [batch, classes]}`` (logits from an eval-mode forward).
    """
    tx = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2) if x.ndim == 4 else x))
    ty = torch.from_numpy(y)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss = train_step(model, optimizer, tx, ty)
    model.eval()
    with torch.no_grad():
        logits = model(tx)
    return {"loss": float(loss), "logits_shape": list(logits.shape)}
