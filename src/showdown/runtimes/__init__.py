"""Runtime adapters: each module imports only its runtime, so a process that runs an exported
artifact holds that runtime and the model, nothing else."""
