"""A contender the project does not know: registered by ``SHOWDOWN_CONTENDERS=fake_contender``.

It is PyTorch in eager mode under another name, with one deployment path of its own (TorchScript
through its own ``deploy`` module). Everything it needs is in this folder: the tests that use it
prove that a new contender is one package and one registration, with no edit elsewhere.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, PathInfo, Runtime

CONTENDER = Contender(
    name="fake",
    package=__name__,
    modes=("eager",),
    imports=("torch",),
    requirement="torch==2.13.0",
    distributions=("torch",),
    footprint=Runtime("fake", "import torch", ("torch",)),
    edge_runtime="executorch",
    paths=(PathInfo("fake-torchscript", "fake", "fake", ".deploy:export", ".deploy:runner", requires=("torch",)),),
    colours={"": "#6a3d9a", "eager": "#6a3d9a"},
    env={"SHOWDOWN_FAKE_CONTENDER": "1"},
    process_s=2.5,
)
