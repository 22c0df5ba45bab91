"""Optimizers and learning-rate schedules: torch.optim and the lectures' forms behind one API.

Public API::

    from core.optim import make_optimizer, optimizer_info, validate_hparams, list_optimizers
    from core.optim import parse_schedule, build_scheduler, schedule_values, list_schedules
    from core.optim import RowwiseOptimizer, ROWWISE_OPTIMIZERS     # per-row hyperparameters (maps)

    opt = make_optimizer("sgd", [w], lr=0.1, momentum=0.9, nesterov=True)   # a torch.optim.SGD

Modules: ``registry`` (names, hyperparameter checks, construction), ``specs`` (HParam, OptimizerInfo),
``torch_optim`` (the torch.optim entries), ``textbook*`` (the lecture forms torch lacks), ``rowwise``
(vectorised updates with a value per row), ``schedule_grammar`` and ``schedules`` (lr schedules, run by
torch.optim.lr_scheduler).
"""
from __future__ import annotations

from core.optim.registry import (OPTIMIZER_NAMES, HParam, OptimizerInfo, list_optimizers, make_optimizer,
                                 optimizer_info, validate_hparams)
from core.optim.rowwise import ROWWISE_OPTIMIZERS, RowwiseOptimizer, row_flags, row_values
from core.optim.schedules import (SCHEDULE_NAMES, Scheduler, ScheduleKey, build_scheduler, format_schedule,
                                  list_schedules, parse_schedule, schedule_keys, schedule_values)

__all__ = ["HParam", "OptimizerInfo", "OPTIMIZER_NAMES", "list_optimizers", "optimizer_info",
           "validate_hparams", "make_optimizer", "ROWWISE_OPTIMIZERS", "RowwiseOptimizer", "row_flags", "row_values",
           "list_schedules", "parse_schedule", "format_schedule", "schedule_keys", "ScheduleKey",
           "build_scheduler", "schedule_values", "Scheduler", "SCHEDULE_NAMES"]
