"""One worker host for every job that runs in a child process: racers, training runs, maps, calls.

``messages`` (the typed messages), ``host`` (the GUI side, :class:`~playground.workers.host.WorkerHost`),
``shared`` (hosts shared by several clients), ``child`` (the child's loop and the job kinds'
registry), ``jobs_*`` (the job kinds) and ``map_runner`` (a ``MapJobRunner`` that runs its jobs in a
host child). Nothing here is imported by this package itself: the child imports only what its jobs need.
"""
