"""The contenders: one package each, with the same module names (see :mod:`.contender`).

Adding a contender is one package beside these and one entry in :data:`BUILTIN`; a contender
kept outside this project is registered by naming its package in ``SHOWDOWN_CONTENDERS``
(comma-separated), which child processes inherit. Nothing else names a contender.
"""

#: The contender packages of this project, in the order tables and reports list them.
BUILTIN = ("showdown.frameworks.torch", "showdown.frameworks.tensorflow", "showdown.frameworks.keras_torch",
           "showdown.frameworks.keras_jax", "showdown.frameworks.jax")
