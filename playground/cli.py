"""Command-line entry point: ``optimizer-playground [SUBCOMMAND] ...``.

Each page registers its own subcommand module (see ``SUBCOMMANDS``). A module
exposes ``register(subparsers)``, which adds a parser whose default ``func`` is
``run(args) -> int``. Bad input anywhere exits 2 with one line on stderr.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

PROG = "optimizer-playground"

# Subcommand modules, in the order ``--help`` lists them.
SUBCOMMANDS = (
    "playground.cli_gui",
    "playground.cli_trajectory",
    "playground.cli_list",
    "playground.cli_render",
    "playground.cli_animate",
    "playground.cli_train",
    "playground.cli_search",
    "playground.cli_export_script",
)


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit status 2."""


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr and exit 2 (no usage block).

    Options must be spelled out (``allow_abbrev=False``): ``--step 5`` was taken as ``--steps 5``, and a
    script written so would change meaning the day another option starting with ``--step`` is added.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # noqa: D401 - argparse override
        raise UsageError(message)


def _all_actions(parser: argparse.ArgumentParser):
    """Every option action of ``parser`` and of its subparsers, recursively."""
    stack = [parser]
    while stack:
        p = stack.pop()
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                stack.extend(action.choices.values())
            else:
                yield action


def _value_options(parser: argparse.ArgumentParser) -> set[str]:
    """Option strings (in every subparser) that take exactly one value."""
    return {opt for action in _all_actions(parser)
            if action.option_strings and action.nargs is None and action.const is None
            for opt in action.option_strings}


def glue_dash_values(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """Join ``--opt -value`` into ``--opt=-value``.

    argparse refuses a value that starts with '-' unless it is a plain negative
    number, but people type ``--start -1.5,2`` and ``--formula -x**2`` (docs/traps.md).
    """
    takes_value = _value_options(parser)
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if tok in takes_value and i + 1 < len(argv) and argv[i + 1].startswith("-") and argv[i + 1] != "--":
            nxt = argv[i + 1]
            # Only glue when the next token is not itself a known option.
            if nxt.split("=", 1)[0] not in takes_value and not _is_flag(parser, nxt):
                out.append(f"{tok}={nxt}")
                i += 2
                continue
        out.append(tok)
        i += 1
    return out


def _is_flag(parser: argparse.ArgumentParser, tok: str) -> bool:
    return any(tok in action.option_strings for action in _all_actions(parser))


def build_parser() -> OneLineParser:
    parser = OneLineParser(prog=PROG, description="Optimizer Playground: see how neural networks are trained.")
    sub = parser.add_subparsers(dest="command", parser_class=OneLineParser, metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:  # a page not built yet
            if exc.name == name:
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the process status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(glue_dash_values(parser, argv))
        if args.command is None:  # bare command opens the app
            args = parser.parse_args(["gui"])
        status = args.func(args)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        status = 2
    except (ValueError, FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        # Core validates its inputs with ValueError; those are the user's mistakes.
        print(f"{PROG}: error: {exc}".splitlines()[0], file=sys.stderr)
        status = 2
    except KeyboardInterrupt:
        status = 130
    except BrokenPipeError:
        status = 0
    except Exception as exc:  # never a traceback for a user; PLAYGROUND_DEBUG=1 shows it
        if os.environ.get("PLAYGROUND_DEBUG"):
            raise
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}".splitlines()[0]
              + f" ({_log_internal_error(exc, argv)})", file=sys.stderr)
        status = 1
    return status or 0


def _log_internal_error(exc: BaseException, argv: list[str]) -> str:
    """Write ``exc``'s traceback to the app's log; returns "details in <file>" (or why not)."""
    try:
        from playground.log import details_hint, setup_logging

        setup_logging()
        logging.getLogger(__name__).error("internal error; arguments %r", argv, exc_info=exc)
        return details_hint()
    except Exception as log_exc:  # noqa: BLE001 - the first error is the one to report
        return f"the log could not be written: {log_exc}"


if __name__ == "__main__":
    main()
