"""Keras 3 on its JAX backend, as the parent process knows it.

The same Keras model the TensorFlow contender builds, run by Keras's own trainer on JAX.
``KERAS_BACKEND`` is set to ``jax`` in this contender's processes whatever the user's shell says,
and its adapter checks what Keras reports. The modes are Keras's: ``jit`` is
``compile(jit_compile=True)``, the train and predict steps compiled by ``jax.jit`` (what Keras's
``"auto"`` picks on this backend), and ``eager`` is ``compile(jit_compile=False)``.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, Runtime

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
    # Keras's TensorBoard callback writes through tf.summary on every backend
    scalar_writer_needs=("tensorflow",),
    colours={"": "#ff7f0e", "jit": "#ff7f0e", "eager": "#ffbb78"},
    process_s=5.0,
)
