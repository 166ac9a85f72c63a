"""TensorBoard scalars written by TensorFlow's own summary ops: the TensorFlow contender's writer,
and what Keras's TensorBoard callback writes with on every backend (Keras on JAX uses it).

Imports tensorflow, not keras, so a process running Keras on another backend can use it.
"""

from __future__ import annotations

import tensorflow as tf


class Scalars:
    """TensorBoard scalars through ``tf.summary``: a file writer and ``tf.summary.write``.

    ``tf.summary.scalar`` is implemented by the separate tensorboard package; the record it writes,
    a float32 scalar tensor tagged for TensorBoard's scalars plugin, is written here with
    TensorFlow's own op, so nothing beyond TensorFlow is needed.
    """

    _METADATA = tf.compat.v1.SummaryMetadata(plugin_data=tf.compat.v1.SummaryMetadata.PluginData(plugin_name="scalars"))

    def __init__(self, logdir: str) -> None:
        self._writer = tf.summary.create_file_writer(logdir)

    def scalar(self, tag: str, value: float, step: int) -> None:
        with self._writer.as_default(), tf.device("/CPU:0"):
            tf.summary.write(tag, tf.constant(float(value), tf.float32), step=int(step), metadata=self._METADATA)

    def close(self) -> None:
        self._writer.flush()
        self._writer.close()
