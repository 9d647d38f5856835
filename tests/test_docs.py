"""Every command is documented: its help shows an ``Example:`` line, and some docs/*.md mentions it."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.main import get_command_name

from ltsplan.cli.main import build_app

DOCS = Path(__file__).resolve().parents[1] / "docs"


def commands(app: typer.Typer, prefix: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """(full command path, help text) for every command, walking sub-groups."""
    found = []
    for info in app.registered_commands:
        assert info.callback is not None
        name = info.name or get_command_name(info.callback.__name__)
        found.append((" ".join((*prefix, name)), info.help or info.callback.__doc__ or ""))
    for group in app.registered_groups:
        assert group.typer_instance is not None
        found.extend(commands(group.typer_instance, (*prefix, group.name or "")))
    return found


ALL = commands(build_app())
DOCUMENTATION = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))


def test_the_command_line_has_commands() -> None:
    assert len(ALL) > 5
    assert "ledger totals" in {name for name, _ in ALL}


@pytest.mark.parametrize(("name", "help_text"), ALL, ids=[n for n, _ in ALL])
def test_every_command_shows_an_example_in_its_help(name: str, help_text: str) -> None:
    examples = [line.strip() for line in help_text.splitlines() if line.strip().startswith("Example:")]
    assert examples, f"'ltsplan {name}' has no 'Example:' line in its help"
    assert all(e.removeprefix("Example:").strip().startswith(f"ltsplan {name}") for e in examples), examples


@pytest.mark.parametrize("name", [n for n, _ in ALL])
def test_every_command_is_mentioned_in_the_docs(name: str) -> None:
    assert f"ltsplan {name}" in DOCUMENTATION, f"'ltsplan {name}' is not mentioned in any docs/*.md"
