"""The CLI's one-line errors and dash-leading values."""
import subprocess
import sys


from playground.cli import build_parser, glue_dash_values, main


def test_dash_values_are_glued():
    parser = build_parser()
    argv = ["list", "surfaces"]
    assert glue_dash_values(parser, argv) == argv


def test_unknown_command_exits_2_with_one_line(capsys):
    assert main(["no-such-command"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error" in err[0]


def test_python_m_playground_help():
    out = subprocess.run([sys.executable, "-m", "playground", "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "optimizer-playground" in out.stdout


def test_options_must_be_spelled_out_in_every_subcommand(capsys):
    from playground.cli import build_parser, main

    assert main(["render", "saddle-escape", "--step", "5", "--out", "x.png"]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments: --step 5" in err and err.count("\n") == 1
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert sub.choices and all(not p.allow_abbrev for p in sub.choices.values())
