"""The size limits issue 9 sets, checked over the source tree with ``ast``.

- No module over :data:`MAX_MODULE_LINES` lines.
- No folder holding over :data:`MAX_FOLDER_MODULES` modules (``.py`` files other than ``__init__.py``).
- No function or method over :data:`MAX_FUNCTION_LINES` lines (from its ``def`` line to its last line)
  unless its docstring has a line starting with :data:`LONG_MARKER` that says why it is long.

Alembic's generated revisions (``models/migrations/versions``) are left out: they are written once and
never read as code.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("config", "models", "notifications", "flows")
EXCLUDED = (Path("models/migrations/versions"),)
MAX_MODULE_LINES = 450
MAX_FOLDER_MODULES = 15
MAX_FUNCTION_LINES = 60
LONG_MARKER = "Long because:"


def _modules(root: Path) -> list[Path]:
    """The ``.py`` files under the packages, relative to ``root``, excluded folders left out."""
    found: list[Path] = []
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root)
            if not any(rel.is_relative_to(ex) for ex in EXCLUDED):
                found.append(rel)
    return found


def long_modules(root: Path) -> list[str]:
    """``path: N lines`` for each module over the line limit."""
    out = []
    for rel in _modules(root):
        lines = len((root / rel).read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            out.append(f"{rel}: {lines} lines (limit {MAX_MODULE_LINES})")
    return out


def crowded_folders(root: Path) -> list[str]:
    """``folder: N modules`` for each folder holding more modules than the limit."""
    counts: dict[Path, int] = {}
    for rel in _modules(root):
        if rel.name != "__init__.py":
            counts[rel.parent] = counts.get(rel.parent, 0) + 1
    return [f"{folder}/: {n} modules (limit {MAX_FOLDER_MODULES})"
            for folder, n in sorted(counts.items()) if n > MAX_FOLDER_MODULES]


def _says_why(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    doc = ast.get_docstring(node) or ""
    return any(line.strip().startswith(LONG_MARKER) for line in doc.splitlines())


def unexplained_long_functions(root: Path) -> list[str]:
    """``path:line name: N lines`` for each function over the limit whose docstring does not say why."""
    out = []
    for rel in _modules(root):
        tree = ast.parse((root / rel).read_text(encoding="utf-8"), filename=str(rel))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = (node.end_lineno or node.lineno) - node.lineno + 1
            if lines > MAX_FUNCTION_LINES and not _says_why(node):
                out.append(f"{rel}:{node.lineno} {node.name}: {lines} lines (limit {MAX_FUNCTION_LINES}; "
                           f"or a docstring line starting {LONG_MARKER!r})")
    return out


def test_structure_modules_stay_under_the_line_limit() -> None:
    offenders = long_modules(ROOT)
    assert not offenders, "modules to split:\n" + "\n".join(offenders)


def test_structure_folders_stay_under_the_module_limit() -> None:
    offenders = crowded_folders(ROOT)
    assert not offenders, "folders to divide:\n" + "\n".join(offenders)


def test_structure_long_functions_say_why() -> None:
    offenders = unexplained_long_functions(ROOT)
    assert not offenders, "functions to split or explain:\n" + "\n".join(offenders)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _function(name: str, lines: int, *, indent: str = "", doc: str = "") -> str:
    """A function ``lines`` long (``def`` line included)."""
    head = f"{indent}def {name}(*args):\n"
    docstring = f'{indent}    """{doc}"""\n' if doc else ""
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(lines - 1 - (1 if doc else 0)))
    return head + docstring + body


def test_structure_checks_find_offenders_in_a_sample_tree(tmp_path: Path) -> None:
    over = MAX_FUNCTION_LINES + 1
    _write(tmp_path / "models/__init__.py", "")
    _write(tmp_path / "models/long.py", "x = 1\n" * (MAX_MODULE_LINES + 1))
    _write(tmp_path / "models/short.py", "x = 1\n" * MAX_MODULE_LINES)
    _write(tmp_path / "models/funcs.py", "\n".join([
        _function("bare", over),
        _function("at_limit", MAX_FUNCTION_LINES),
        _function("explained", over, doc=f"Do it.\n\n    {LONG_MARKER} one flat table of cases.\n    "),
        _function("mentions", over, doc=f"Do it; the marker {LONG_MARKER} only counts at a line start."),
        "class C:\n" + _function("method", over, indent="    "),
    ]))
    _write(tmp_path / "models/migrations/versions/0001_big.py", "x = 1\n" * (MAX_MODULE_LINES + 1))
    for i in range(MAX_FOLDER_MODULES):
        _write(tmp_path / f"flows/full/m{i}.py", "")
    _write(tmp_path / "flows/full/__init__.py", "")
    for i in range(MAX_FOLDER_MODULES + 1):
        _write(tmp_path / f"notifications/crowded/m{i}.py", "")

    assert long_modules(tmp_path) == [f"models/long.py: {MAX_MODULE_LINES + 1} lines (limit {MAX_MODULE_LINES})"]
    assert crowded_folders(tmp_path) == [
        f"notifications/crowded/: {MAX_FOLDER_MODULES + 1} modules (limit {MAX_FOLDER_MODULES})"
    ]
    named = [entry.split(" ")[1].rstrip(":") for entry in unexplained_long_functions(tmp_path)]
    assert sorted(named) == ["bare", "mentions", "method"]
