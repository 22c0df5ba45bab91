"""``optimizer-playground list surfaces|optimizers|schedules|scenes``."""
from __future__ import annotations

KINDS = ("surfaces", "optimizers", "schedules", "scenes")


def register(sub) -> None:
    p = sub.add_parser("list", help="list surfaces, optimizers, schedules or scenes",
                       description="Print one item per line: the name, two spaces, a one-line description.")
    p.add_argument("kind", choices=KINDS)
    p.set_defaults(func=run)


def items(kind: str) -> list[tuple[str, str]]:
    """(name, one-line description) pairs for ``kind``."""
    if kind == "surfaces":
        from core.surfaces import list_surfaces

        return list_surfaces()
    if kind == "optimizers":
        from core.optim import list_optimizers

        return list_optimizers()
    if kind == "schedules":
        from core.optim import list_schedules

        return list_schedules()
    from playground.scenes import list_scenes, scene_lesson

    return [(name, scene_lesson(name)) for name in list_scenes()]


def run(args) -> int:
    for name, desc in items(args.kind):
        print(f"{name}  {desc}")
    return 0
