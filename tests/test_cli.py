"""Every `concord` command, sub-commands included, answers --help with its description (docs that cannot drift)."""

from __future__ import annotations

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
