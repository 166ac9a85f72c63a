"""Developer experience, measured: what each framework does with common mistakes, code size, debugging.

Framework-neutral. The framework-specific code lives in ``showdown.frameworks.<name>.mistakes``;
:mod:`showdown.devx.probe` runs it (in a child process per framework) and scores what it saw.
"""
