"""Hyperparameter search over the training page's knobs, on Optuna (no Qt here).

- :mod:`.space`: search spaces (``--param`` texts and ``kind = "space"`` files);
- :mod:`.methods`: grid, random, coarse-to-fine, tpe and bayes samplers; the pruners;
- :mod:`.coarse_to_fine`: our coarse-to-fine sampler; :mod:`.grid`: GridSampler fit for ask and tell;
- :mod:`.storage`: in memory, RDB URLs (SQLite, PostgreSQL) and journal files;
- :mod:`.engine`: :class:`~.engine.Search`, the round-by-round loop, and the final test evaluation;
- :mod:`.mirror`: the in-memory copy of a study where the sampler asks and the pruner decides;
- :mod:`.trainers`: a round's trainings, batched (``core.training.batched``) or one by one;
- :mod:`.importance`: the knobs' importances (Optuna's evaluators).

Import the submodules directly: importing this package imports neither Optuna nor torch.
"""
