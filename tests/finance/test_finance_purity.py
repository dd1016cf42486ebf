"""workbench.finance stays a pure library: no Flask, no SQLAlchemy, nothing else from workbench."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

FINANCE = Path(__file__).resolve().parents[2] / "workbench" / "finance"
FORBIDDEN_ROOTS = (
    "flask",
    "sqlalchemy",
    "flask_sqlalchemy",
    "flask_wtf",
    "flask_login",
    "flask_babel",
    "wtforms",
)


def forbidden(module: str) -> bool:
    root = module.split(".")[0]
    if root in FORBIDDEN_ROOTS or root.startswith("flask_"):
        return True
    return root == "workbench" and not (
        module == "workbench.finance" or module.startswith("workbench.finance.")
    )


def test_importing_the_finance_package_loads_neither_flask_nor_sqlalchemy():
    # workbench/__init__.py is the Flask app factory; a stand-in parent package isolates what finance itself
    # imports (in the web process Flask is loaded anyway, by the app).
    script = f"""
import importlib, pkgutil, sys, types
parent = types.ModuleType("workbench")
parent.__path__ = [{str(FINANCE.parent)!r}]
sys.modules["workbench"] = parent
import workbench.finance
for info in pkgutil.iter_modules(workbench.finance.__path__):
    importlib.import_module("workbench.finance." + info.name)
print("\\n".join(sorted(sys.modules)))
"""
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    loaded = completed.stdout.split()
    assert "workbench.finance.projection" in loaded  # the script really imported the package
    offenders = [name for name in loaded if name != "workbench" and forbidden(name)]  # but the stand-in
    assert offenders == []


def test_forbidden_detects_what_it_must():
    assert forbidden("flask")
    assert forbidden("sqlalchemy.orm")
    assert forbidden("workbench.extensions")
    assert not forbidden("workbench.finance.money")
    assert not forbidden("numpy")


def imports_of(path: Path) -> list[str]:
    """Absolute names of every import in a finance module (relative imports resolved)."""
    package = ["workbench", "finance"]
    names = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                names.append(".".join(base + ([node.module] if node.module else [])))
            else:
                names.append(node.module or "")
    return names


@pytest.mark.parametrize("path", sorted(FINANCE.rglob("*.py")), ids=lambda path: path.name)
def test_no_finance_module_imports_the_web_stack(path):
    offenders = [name for name in imports_of(path) if forbidden(name)]
    assert offenders == [], f"{path.name} imports {offenders}"


def test_the_ast_check_resolves_relative_imports(tmp_path):
    module = tmp_path / "bad.py"
    module.write_text("from .. import extensions\nimport flask\nfrom . import money\n")
    assert imports_of(module) == ["workbench", "flask", "workbench.finance"]
    assert [name for name in imports_of(module) if forbidden(name)] == ["workbench", "flask"]
