"""The command tree: help, version, error handling, import cost."""

from __future__ import annotations

import subprocess
import sys

from xlt.commands import COMMANDS


def test_version(run_cli):
    """`xlt --version` prints the package version."""
    from xlt import __version__

    code, out, _ = run_cli("--version")
    assert code == 0
    assert __version__ in out


def test_every_command_has_help_with_example(run_cli):
    """Each registered command has --help that shows an example."""
    import typer

    from xlt.cli import app

    names = [c.name for c in typer.main.get_command(app).commands.values()]  # type: ignore[attr-defined]
    assert "languages" in names
    for name in names:
        code, out, _ = run_cli(name, "--help")
        assert code == 0, name
        assert "Example" in out or "example" in out, f"{name} --help has no example"
    assert set(names) <= set(COMMANDS) | {"run"}


def test_help_does_not_import_torch():
    """`xlt --help` stays fast: the CLI path imports neither torch nor transformers."""
    code = (
        "import sys; from xlt.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('torch', 'transformers', 'datasets', 'accelerate') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_unknown_language_is_one_line_exit_1(run_cli):
    """A user error is one line on stderr with exit code 1, no traceback."""
    code, _, err = run_cli("languages", "Englsh")
    assert code == 1
    assert err.strip().count("\n") == 0
    assert "unknown language 'Englsh'" in err and "English" in err
    assert "Traceback" not in err


def test_usage_error_exit_2(run_cli):
    """An unknown option is a usage error: exit code 2."""
    code, _, _ = run_cli("languages", "--no-such-option")
    assert code == 2


def test_python_dash_m(tmp_path):
    """`python -m xlt --version` works (the form `accelerate launch -m xlt` uses)."""
    out = subprocess.run(
        [sys.executable, "-m", "xlt", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.startswith("xlt ")
