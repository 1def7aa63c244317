"""The exception tree: one module holds every error class, its docstring draws them all."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

import models.errors as errors
from models.errors import DubanError, PlanError, WorkbookError
from tests.conftest import ROOT

PACKAGES = ("config", "models", "notifications", "flows")


def _classes() -> list[type[DubanError]]:
    return [c for _, c in inspect.getmembers(errors, inspect.isclass)
            if issubclass(c, DubanError) and c.__module__ == errors.__name__]


def _tree() -> dict[str, int]:
    """Class name → depth as drawn in the module docstring (0 for the root)."""
    drawn: dict[str, int] = {}
    for line in (errors.__doc__ or "").splitlines():
        match = re.match(r"^\s{4}((?:[│ ] {3})*)(?:[├└]── )?([A-Z]\w+)\s", line + " ")
        if match and match.group(2) in vars(errors):
            drawn[match.group(2)] = len(match.group(1)) // 4 + (1 if "──" in line else 0)
    return drawn


def test_errors_tree_draws_every_class_at_its_depth() -> None:
    drawn = _tree()
    assert set(drawn) == {c.__name__ for c in _classes()}
    for cls in _classes():
        # The mro ends DubanError, Exception, BaseException, object: the root is drawn at depth 0.
        assert drawn[cls.__name__] == len(cls.__mro__) - 4, cls


@pytest.mark.parametrize("cls", [c for c in _classes() if c is not DubanError], ids=lambda c: c.__name__)
def test_errors_each_class_says_when_it_is_raised(cls: type[DubanError]) -> None:
    assert (cls.__doc__ or "").startswith("Raised when ")


def test_errors_no_error_class_is_defined_outside_the_module() -> None:
    outside = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if path == ROOT / "models" / "errors.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef) and any(
                    re.search(r"(Error|Exception|Missing)$", ast.unparse(base)) for base in node.bases
                ):
                    outside.append(f"{path.relative_to(ROOT)}: {node.name}")
    assert outside == []


@pytest.mark.parametrize("cls", [PlanError, WorkbookError])
def test_errors_problem_lists_read_as_one_message(cls: type[PlanError] | type[WorkbookError]) -> None:
    problem = "a.yaml:3: lead: unknown unit '镇龙镇'"
    one = cls([problem])
    assert (str(one), one.problems) == (problem, [problem])
    two = cls(["first", "second"])
    assert str(two) == "2 problems:\n  first\n  second" and two.problems == ["first", "second"]
