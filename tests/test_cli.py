"""Every `concord` command, sub-commands included, answers --help with its description (docs that cannot drift)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from concord.cli import app


def command_paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The path of every command under ``command`` (Typer 0.29 vendors Click: groups are found by their commands)."""
    paths = [path]
    for name, sub in getattr(command, "commands", {}).items():
        paths += command_paths(sub, (*path, name))
    return paths


PATHS = command_paths(typer.main.get_command(app))


def test_the_expected_commands_exist() -> None:
    assert {("run",), ("backfill",), ("status",), ("report",), ("audit",), ("audit", "verify")} <= set(PATHS)


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "concord")
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    assert command.help or command.short_help, f"{' '.join(path)} has no description"


@pytest.mark.prefect
def test_demo_without_serving_runs_on_a_real_prefect_server_with_clean_output(tmp_path: Path) -> None:
    """The README's main command, minus the dashboard: a fresh home, generate, a real server, one run, a clean exit.

    Stopping the server right after the run used to print "--- Error logging to API ---" on the way out.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONCORD_", "PREFECT_"))}
    env |= {"CONCORD_HOME": str(tmp_path / "home"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    command = [sys.executable, "-m", "concord.cli", "demo", "--no-serve", "--scale", "tiny"]
    result = subprocess.run(
        [*command, "--prefect-port", str(port)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "rows in = " in result.stdout
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "Error" not in output and "ERROR" not in output, output
    assert (tmp_path / "home" / "concord.serving.duckdb").is_file()
