"""Keras 3 on its JAX backend, as the parent process knows it.

The same Keras model the TensorFlow contender builds, run by Keras's own trainer on JAX.
``KERAS_BACKEND`` is set to ``jax`` in this contender's processes whatever the user's shell says,
and its adapter checks what Keras reports. The modes are Keras's: ``jit`` is
``compile(jit_compile=True)``, the train and predict steps compiled by ``jax.jit`` (what Keras's
``"auto"`` picks on this backend), and ``eager`` is ``compile(jit_compile=False)``.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, PathInfo, Runtime

_LITERT = "showdown.runtimes.litert:runner"
# Keras exports a SavedModel on JAX through jax2tf: TensorFlow must be installed beside it
_SAVEDMODEL_NEEDS = ("tensorflow",)
_LITERT_NEEDS = ("tensorflow", "ai_edge_litert")
_LITERT_PIP = "pip install tensorflow-cpu==2.21.* ai-edge-litert"

_ENV = {"KERAS_BACKEND": "jax"}

CONTENDER = Contender(
    name="keras-jax",
    package=__name__,
    modes=("eager", "jit"),
    default_mode="jit",
    imports=("keras", "jax"),
    requirement="keras jax[cpu]==0.10.2",
    distributions=("keras", "jax", "jaxlib"),
    env=_ENV,
    backend="jax",
    footprint=Runtime("keras-jax", "import keras", ("keras", "jax", "jaxlib"), env=_ENV),
    edge_runtime="litert",
    paths=(
        PathInfo("keras-jax-savedmodel", "keras-jax", "tensorflow", ".deploy:export_savedmodel", "showdown.runtimes.savedmodel:runner",
                 requires=_SAVEDMODEL_NEEDS, install="pip install tensorflow-cpu==2.21.*"),
        PathInfo("keras-jax-litert", "keras-jax", "litert", ".deploy:export_litert", _LITERT, requires=_LITERT_NEEDS, install=_LITERT_PIP),
        PathInfo("keras-jax-litert-int8-dynamic", "keras-jax", "litert", ".deploy:export_litert_int8_dynamic", _LITERT, "int8-dynamic", _LITERT_NEEDS, _LITERT_PIP),
    ),
    # Keras's TensorBoard callback writes through tf.summary on every backend
    scalar_writer_needs=("tensorflow",),
    colours={"": "#ff7f0e", "jit": "#ff7f0e", "eager": "#ffbb78"},
    process_s=5.0,
)
