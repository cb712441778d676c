"""The README and docs/architecture.md name only things that exist: every command and option
they show is one the CLI has, every file or folder they link or name is in the repository, and
every Python name they give (``greencare.services.imports.import_readings``,
``services.facility_ranking``, ``from greencare.services import weather``) imports. An earlier
README sent scripts to ``greencare.imports`` and ``from greencare import weather`` long after
those modules moved into ``greencare/services/``."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import click
import pytest

from greencare import services
from greencare.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
ARCHITECTURE = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
DOCS = {"README.md": README, "docs/architecture.md": ARCHITECTURE}
OPTION = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])\b")


def _command_spans(text: str) -> list[str]:
    """Every command the text shows: inline code starting with ``greencare`` or with a command
    name (the table's ``instrument list [--facility F]``), and each line of its shell blocks."""
    top = set(main.commands)
    spans = []
    for code in re.findall(r"`([^`\n]*(?:\n[^`\n]*)?)`", text):
        words = code.split()
        if len(words) > 1 and words[0] == "greencare" and words[1] in top:
            spans.append(code)
        elif len(words) > 1 and words[0] in top and words[1] in main.commands[words[0]].commands:
            spans.append("greencare " + code)
    for block in re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" # ")[0].strip()
            if line.startswith("greencare "):
                spans.append(line)
    return spans


def _resolve(span: str) -> tuple[click.Command | None, list[str], str]:
    words = span.replace("\n", " ").split()[1:]
    command: click.Command = main
    path: list[str] = []
    while words and isinstance(command, click.Group):
        if words[0] in ("--db", "[--db"):
            words = words[2:]
            continue
        if words[0] not in command.commands:
            break
        command = command.commands[words[0]]
        path.append(words.pop(0))
    return command, path, " ".join(words)


def test_the_readme_shows_commands() -> None:
    spans = _command_spans(README)
    assert len(spans) > 100  # the table, the examples, the prose
    assert any(s.startswith("greencare instrument list") for s in spans)  # a table alternative


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_command_and_option_shown_exists(doc: str) -> None:
    wrong = []
    for span in _command_spans(DOCS[doc]):
        command, path, rest = _resolve(span)
        if isinstance(command, click.Group):
            if path:  # `greencare imports` alone is prose ("greencare imports the good rows")
                wrong.append(f"{span!r}: no subcommand of {' '.join(path)}")
            continue
        known = {"--help", "-h"}
        for param in command.params:
            known.update(param.opts, param.secondary_opts)
        wrong += [f"{span!r}: {' '.join(path)} has no {o}" for o in OPTION.findall(rest)
                  if o not in known]  # fmt: skip
    assert wrong == []


def test_a_wrong_option_would_be_found() -> None:
    command, path, rest = _resolve("greencare reading add METER --start D --bogus")
    assert path == ["reading", "add"] and "--bogus" not in {o for p in command.params
                                                           for o in p.opts}  # fmt: skip
    assert OPTION.findall(rest) == ["--start", "--bogus"]


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_linked_or_named_file_exists(doc: str) -> None:
    here = (ROOT / doc).parent
    missing = []
    for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", DOCS[doc]):
        if not target.startswith(("http://", "https://")) and not (here / target).exists():
            missing.append(target)
    for name in re.findall(r"`((?:greencare|tests|docs|factors|sample_data|bench)/[\w./-]+)`",
                           DOCS[doc]):  # fmt: skip
        if not (ROOT / name.rstrip("/.")).exists():
            missing.append(name)
    # architecture names modules by their package path (`services/weather.py`)
    for name in re.findall(r"`((?:core|storage|services|importers|reports|tui|cli)/\w+\.py)",
                           DOCS[doc]):  # fmt: skip
        if not (ROOT / "greencare" / name).exists():
            missing.append(name)
    assert missing == []


def _python_names(text: str) -> set[str]:
    """``greencare.x.y`` and ``services.x`` as the text writes them, and the names its
    Python blocks import."""
    names = set(re.findall(r"\b((?:greencare|services)(?:\.[A-Za-z_]\w*)+)", text))
    names = {n for n in names if not re.search(r"\.(py|md|toml|txt|db|csv)$", n)}
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        for module, imported in re.findall(r"^from ([\w.]+) import ([\w, ]+)$", block, re.M):
            names.update(f"{module}.{name.strip()}" for name in imported.split(","))
    return names


def _importable(name: str) -> bool:
    parts = name.split(".")
    if parts[0] == "services":
        obj: object = services
        parts = parts[1:]
    else:
        for cut in range(len(parts), 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:cut]))
            except ImportError:
                continue
            parts = parts[cut:]
            break
        else:
            return False
    for part in parts:
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(f"{obj.__name__}.{part}")  # type: ignore[attr-defined]
        except (ImportError, AttributeError):
            return False
    return True


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_python_name_given_imports(doc: str) -> None:
    names = _python_names(DOCS[doc])
    assert len(names) > 10
    assert [n for n in sorted(names) if not _importable(n)] == []


def test_a_moved_module_would_be_found() -> None:
    assert not _importable("greencare.imports.import_readings")
    assert not _importable("greencare.weather")
    assert _importable("greencare.services.imports.import_readings")
    assert _importable("services.facility_ranking")


@pytest.mark.parametrize("doc", sorted(DOCS))
def test_every_script_run_by_hand_exists_with_its_options(doc: str) -> None:
    """``python bench/dashboard.py --switch``, ``python docs/report/generate.py``: the script is
    in the repository and defines each option the text passes it."""
    runs = re.findall(r"python ((?:bench|docs)/[\w/]+\.py)((?: --?[a-z][\w-]*(?: [\w,]+)?)*)",
                      DOCS[doc])  # fmt: skip
    assert runs or doc != "README.md"
    wrong = []
    for script, args in runs:
        path = ROOT / script
        if not path.exists():
            wrong.append(script)
            continue
        source = path.read_text(encoding="utf-8")
        wrong += [f"{script} {o}" for o in OPTION.findall(args) if f'"{o}"' not in source]
    assert wrong == []
