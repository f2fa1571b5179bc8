"""Global sensitivity (SALib: Sobol', Morris) and scenario sweeps on dask.distributed.

The modules are imported where they are used (``sweep.sensitivity``, ``sweep.run``, …), so
registering the commands (``sweep.cli``) loads none of the model: ``gigafactory --help`` stays fast.
"""
