"""TensorFlow with Keras 3 on its TensorFlow backend, as the parent process knows it.

The modules beside this one import tensorflow and keras; this one imports nothing heavy. Keras 3
can run on other backends: ``KERAS_BACKEND`` is set to ``tensorflow`` in this contender's
processes whatever the user's shell says, and its adapter checks what Keras reports.
"""

from __future__ import annotations

from showdown.frameworks.contender import Contender, PathInfo, Runtime

_ORT = "showdown.runtimes.onnxruntime:runner"
_LITERT = "showdown.runtimes.litert:runner"
_LITERT_NEEDS = ("ai_edge_litert",)
_LITERT_PIP = "pip install ai-edge-litert"
_TF2ONNX_NEEDS = ("tf2onnx", "onnx", "onnxruntime")
_TF2ONNX_PIP = "pip install tf2onnx onnx onnxruntime"
_ENV = {"KERAS_BACKEND": "tensorflow"}
_QUIET = {"TF_CPP_MIN_LOG_LEVEL": "2"}

CONTENDER = Contender(
    name="tensorflow",
    package=__name__,
    modes=("eager", "function", "xla"),
    # Keras compiles the training step with tf.function unless told to run eagerly
    default_mode="function",
    imports=("tensorflow", "keras"),
    requirement="tensorflow-cpu==2.21.*",
    distributions=("tensorflow-cpu", "tensorflow", "keras"),
    env=_ENV,
    env_defaults=_QUIET,
    backend="tensorflow",
    footprint=Runtime("tensorflow", "import tensorflow", ("tensorflow-cpu", "tensorflow", "keras"), env={**_QUIET, **_ENV}),
    edge_runtime="litert",
    paths=(
        PathInfo("savedmodel", "tensorflow", "tensorflow", ".deploy:export_savedmodel", "showdown.runtimes.savedmodel:runner", requires=("tensorflow",)),
        PathInfo("litert", "tensorflow", "litert", ".deploy:export_litert", _LITERT, requires=_LITERT_NEEDS, install=_LITERT_PIP),
        PathInfo("litert-int8-dynamic", "tensorflow", "litert", ".deploy:export_litert_int8_dynamic", _LITERT, "int8-dynamic", _LITERT_NEEDS, _LITERT_PIP),
        PathInfo("litert-int8-full", "tensorflow", "litert", ".deploy:export_litert_int8_full", _LITERT, "int8-full", _LITERT_NEEDS, _LITERT_PIP),
        PathInfo("litert-fp16", "tensorflow", "litert", ".deploy:export_litert_fp16", _LITERT, "float16", _LITERT_NEEDS, _LITERT_PIP),
        PathInfo("tf-onnx-ort", "tensorflow", "onnxruntime", ".deploy:export_onnx", _ORT, requires=_TF2ONNX_NEEDS, install=_TF2ONNX_PIP),
        PathInfo("tf-onnx-ort-int8-dynamic", "tensorflow", "onnxruntime", ".deploy:export_onnx_int8_dynamic", _ORT, "int8-dynamic", _TF2ONNX_NEEDS, _TF2ONNX_PIP),
        PathInfo("tf-onnx-ort-int8-static", "tensorflow", "onnxruntime", ".deploy:export_onnx_int8_static", _ORT, "int8-static", _TF2ONNX_NEEDS, _TF2ONNX_PIP),
    ),
    colours={"": "#1f77b4", "function": "#1f77b4", "eager": "#7fbde8", "xla": "#0b3c66"},
    # a round's process on a 2-core Intel Xeon VM took ~4-6 s with a 1 s window, import included;
    # in a quick run on a 2-core AMD EPYC VM a varying-shapes process (one fresh pass, tf.function)
    # took 11-14 s, a time-to-accuracy process (one seed) 10-13 s
    process_s=5.0,
    scenario_process_s={"dynamic": 12.5, "accuracy": 11.5},
    quick=True,
)
