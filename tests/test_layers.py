"""The layers import downward: reliefmap/ and models/ import no layer, web/ and crawler/ import
neither each other nor jobs/, and no module imports, even lazily, a module that imports it back.
The CLI names the commands of the layers by string (reliefmap/cli.py) and imports none of them."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("reliefmap", "models", "crawler", "web", "jobs")
# What each package may not import.
FORBIDDEN = {
    "reliefmap": {"models", "crawler", "web", "jobs"},
    "models": {"crawler", "web", "jobs"},
    "crawler": {"web", "jobs"},
    "web": {"crawler", "jobs"},
    "jobs": {"web"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules() -> dict[str, Path]:
    return {module_name(path): path for package in PACKAGES
            for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts}


def imports_of(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules a file imports, at its top or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name in modules}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in modules:
            # "from web import queries" imports the module web.queries; "from web import csrf"
            # takes a name defined in web/__init__.py.
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in modules else node.module)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = project_modules()
    return {name: imports_of(path, modules) - {name} for name, path in modules.items()}


def test_every_package_imports_only_the_layers_below_it():
    crossings = []
    for module, imported in import_graph().items():
        package = module.split(".")[0]
        forbidden = FORBIDDEN[package]
        crossings += [f"{module} -> {name}" for name in sorted(imported)
                      if name.split(".")[0] in forbidden]
    assert crossings == []


def test_no_module_imports_one_that_imports_it_back():
    graph = import_graph()
    cycles = set()

    def visit(module: str, path: list[str]) -> None:
        for name in graph.get(module, ()):
            if name in path:
                cycle = path[path.index(name):]
                start = cycle.index(min(cycle))
                cycles.add(" -> ".join(cycle[start:] + cycle[:start]))
            elif name not in done:
                visit(name, [*path, name])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        visit(module, [module])
    assert sorted(cycles) == []


def test_the_check_sees_a_crossing_when_there_is_one(tmp_path):
    """The graph is read from the source: a lazy import inside a function counts too."""
    path = tmp_path / "sample.py"
    path.write_text("def f():\n    from web.exports import csv_text\n    import crawler.items\n"
                    "from web import queries, csrf\n")
    modules = project_modules()
    assert imports_of(path, modules) == {"web.exports", "crawler.items", "web.queries", "web"}


def declared_distributions(groups: tuple[str, ...]) -> set[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for group in groups:
        wanted += project["optional-dependencies"][group]
    return {canonical(re.split(r"[<>=\[ ;!~]", spec)[0]) for spec in wanted}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@pytest.mark.parametrize("folders, groups", [
    (PACKAGES, ()), (("tests", "bench", "scripts"), ("test", "dev")),
])
def test_every_imported_package_is_declared_in_pyproject(folders, groups):
    """A fresh install gets what the code imports: no package arrives only as another's
    dependency."""
    from importlib.metadata import packages_distributions

    distributions = packages_distributions()
    declared = declared_distributions(groups) | declared_distributions(())
    undeclared = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or (ROOT / top).is_dir():
                        continue
                    if not {canonical(d) for d in distributions.get(top, [top])} & declared:
                        undeclared.add(f"{top} ({path.relative_to(ROOT)})")
    assert sorted(undeclared) == []
