"""JAX with Flax (``flax.nnx``) and optax, as the parent process knows it.

The modules beside this one import jax and flax; this one imports nothing heavy. The modes are
``eager`` (each operation dispatched as it comes, gradients by ``nnx.value_and_grad`` traced on
every call) and ``jit`` (the whole step compiled by ``nnx.jit``), which is how JAX is used to train.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, PathInfo, Runtime

_LITERT = "showdown.runtimes.litert:runner"
# jax2tf lowers to a tf.function, which TensorFlow's converter turns into a .tflite file
_LITERT_NEEDS = ("tensorflow", "ai_edge_litert")
_LITERT_PIP = "pip install tensorflow-cpu==2.21.* ai-edge-litert"

CONTENDER = Contender(
    name="jax",
    package=__name__,
    modes=("eager", "jit"),
    default_mode="jit",
    imports=("jax", "flax", "optax"),
    requirement="jax[cpu]==0.10.2 flax==0.12.8 optax==0.2.8",
    distributions=("jax", "jaxlib", "flax", "optax"),
    footprint=Runtime("jax", "import jax", ("jax", "jaxlib")),
    edge_runtime="litert",
    paths=(
        PathInfo("jax-stablehlo", "jax", "jax", ".deploy:export_stablehlo", "showdown.runtimes.stablehlo:runner", requires=("jax",)),
        PathInfo("jax-litert", "jax", "litert", ".deploy:export_litert", _LITERT, requires=_LITERT_NEEDS, install=_LITERT_PIP),
        PathInfo("jax-litert-int8-dynamic", "jax", "litert", ".deploy:export_litert_int8_dynamic", _LITERT, "int8-dynamic", _LITERT_NEEDS, _LITERT_PIP),
    ),
    # flax.metrics.tensorboard writes through tf.summary and the tensorboard package
    scalar_writer_needs=("tensorflow", "tensorboard"),
    colours={"": "#2ca02c", "jit": "#2ca02c", "eager": "#98df8a"},
    process_s=5.0,
)
