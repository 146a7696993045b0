"""Importers: bring runs recorded by other tools into the store (``sitegen import …``).

Each reader module (``tensorboard``, ``mlflow``) lists a source's runs as :class:`SourceRun` items,
and :func:`sitegen.importers.sync.sync_runs` writes them into the store: new runs are created, runs
imported before get only their new points, unchanged runs are skipped. The readers import their
framework only when called, so ``import sitegen`` stays light.
"""
