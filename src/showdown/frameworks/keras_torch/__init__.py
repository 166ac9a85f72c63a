"""Keras 3 on its PyTorch backend, as the parent process knows it.

The same Keras model the TensorFlow contender builds, run by Keras's own trainer on PyTorch.
``KERAS_BACKEND`` is set to ``torch`` in this contender's processes whatever the user's shell says,
and its adapter checks what Keras reports. The modes are Keras's: ``eager`` is
``compile(jit_compile=False)`` and ``jit`` is ``compile(jit_compile=True)``, which on this backend
runs the train and predict steps through ``torch.compile``; Keras's ``"auto"`` picks ``eager`` here.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, Runtime

_ENV = {"KERAS_BACKEND": "torch"}

CONTENDER = Contender(
    name="keras-torch",
    package=__name__,
    modes=("eager", "jit"),
    default_mode="eager",
    imports=("keras", "torch"),
    requirement="keras torch==2.13.0",
    distributions=("keras", "torch"),
    env=_ENV,
    backend="torch",
    footprint=Runtime("keras-torch", "import keras", ("keras", "torch"), env=_ENV),
    # its scalar writer is torch's SummaryWriter, built on the tensorboard package
    scalar_writer_needs=("tensorboard",),
    colours={"": "#9467bd", "eager": "#9467bd", "jit": "#5b3a8c"},
    process_s=4.0,
)
