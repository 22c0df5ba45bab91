"""``export_script``: a scene as a standalone PyTorch program (``optimizer-playground export-script``).

Training scenes become a training program printing ``optimizer-playground train``'s JSON lines;
optimizer scenes become a program that steps every racer with torch.optim on the surface and writes
the trajectories as CSV. Either imports torch and numpy only.
"""
from __future__ import annotations

import tomllib

from playground.scenes import load_scene, resolve


def _kind(name_or_path: str) -> str:
    """The file's ``kind`` (a session is refused with its own message, before scene validation)."""
    source, text = resolve(name_or_path)
    try:
        return str(tomllib.loads(text).get("kind", "scene"))
    except tomllib.TOMLDecodeError:
        return "scene"  # load_scene names the TOML error


def export_script(name_or_path: str, *, epochs: int | None = None, steps: int | None = None,
                  file_name: str = "run.py", per_racer: bool = False) -> str:
    """The program text for scene ``name_or_path`` (a bundled name or a scene file).

    Parameters
    ----------
    epochs : training scenes: run this many epochs instead of the scene's.
    steps : optimizer scenes: run this many steps instead of the scene's.
    file_name : the script's own name, for the "how to run it" line of its docstring.
    per_racer : optimizer scenes: the script writes one CSV per racer instead of one long file.

    Raises
    ------
    ValueError
        Unknown scene, a session file, a page without a script export, a setting that cannot be
        exported (one line naming it).
    """
    if _kind(name_or_path) == "session":
        raise ValueError(f"{name_or_path}: a session file; export-script takes a scene for now "
                         "(save the session's page as a scene first)")
    return scene_script(load_scene(name_or_path), name_or_path, epochs=epochs, steps=steps,
                        file_name=file_name, per_racer=per_racer)


def scene_script(scene: dict, name: str, *, epochs: int | None = None, steps: int | None = None,
                 file_name: str = "run.py", per_racer: bool = False) -> str:
    """The program text for a validated scene dict (what a page's model saves), named ``name`` in the
    script's docstring; parameters and errors as :func:`export_script`."""
    name_or_path = name
    page = scene.get("page")
    if page == "training" and (steps is not None or per_racer):
        raise ValueError(f"{name_or_path}: a training scene; --steps and --per-racer are for optimizer scenes "
                         "(use --epochs)")
    if page == "optimizer" and epochs is not None:
        raise ValueError(f"{name_or_path}: an optimizer scene; --epochs is for training scenes (use --steps)")
    if page == "training":
        from playground.exports.training_script import training_script
        from playground.pages.training.scene import scene_to_values, values_to_config

        values = scene_to_values(scene)
        if epochs is not None:
            if epochs < 1:
                raise ValueError(f"--epochs must be at least 1 (got {epochs})")
            values["epochs"] = int(epochs)
        config = values_to_config(values)
        return training_script(name, scene, config, file_name)
    if page == "optimizer":
        from playground.exports.trajectory_script import trajectory_script

        return trajectory_script(name, scene, steps=steps, file_name=file_name, per_racer=per_racer)
    raise ValueError(f"{name_or_path}: export-script supports training and optimizer scenes, not {page!r} ones")
