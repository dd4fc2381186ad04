"""The house rules a reader relies on (docs/ARCHITECTURE.md): no two modules import each
other, however late; the engine never imports Textual; only a line's own package asks
which CHT line it is."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOTS = (Path("installer"), Path("screens"))


def module_name(path: Path) -> str:
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def type_only(tree: ast.Module) -> set[int]:
    """The ids of import statements under `if TYPE_CHECKING:` (never run)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            found |= {id(inner) for inner in ast.walk(node)}
    return found


def imports() -> dict[str, set[str]]:
    """Each module's imports of other modules here, at any depth (functions too)."""
    files = {module_name(p): p for root in ROOTS for p in root.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        tree = ast.parse(path.read_text())
        skip = type_only(tree)
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            graph[name] |= {t for t in targets if t in files and t != name}
    return graph


def cycle_from(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle, as the modules along it; None when there is none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        state[node] = 2
        path.pop()
        return None

    for start in sorted(graph):
        if start not in state:
            found = visit(start)
            if found:
                return found
    return None


def test_no_module_imports_one_that_imports_it_back() -> None:
    graph = imports()
    assert len(graph) > 60  # the whole engine and the screens were read
    assert cycle_from(graph) is None, " -> ".join(cycle_from(graph) or [])


def test_the_cycle_finder_finds_a_circle() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle_from({"a": {"b"}, "b": set()}) is None


def test_the_engine_never_imports_textual() -> None:
    users = [str(p) for p in Path("installer").rglob("*.py")
             if re.search(r"^\s*(from|import) (textual|rich)\b", p.read_text(), re.M)]
    assert users == []


def test_only_a_lines_own_package_asks_which_line_it_is() -> None:
    asking = re.compile(r"\bline (==|!=) |\.line (==|!=) ")
    # the settings screen offers the lines to choose from (its radio buttons)
    allowed = {Path("screens/settings.py")}
    found = [f"{p}:{n}" for root in ROOTS for p in root.rglob("*.py")
             if p not in allowed and Path("installer/lines") not in p.parents
             for n, text in enumerate(p.read_text().splitlines(), 1) if asking.search(text)]
    assert found == []


def test_every_package_is_in_the_distribution() -> None:
    import tomllib

    listed = set(tomllib.loads(Path("pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {module_name(init.parent / "__init__.py") for root in (*ROOTS, Path("assets"))
             for init in root.rglob("__init__.py")}
    assert found - listed == set()  # scripts/bootstrap installs only what is listed
    assert listed - found == set()


def step_classes() -> list[type]:
    """Every step of the engine: a class with an id, a probe and an apply."""
    import importlib
    import inspect
    import pkgutil

    import installer

    found = []
    for module in pkgutil.walk_packages(installer.__path__, "installer."):
        loaded = importlib.import_module(module.name)
        found += [kind for _, kind in inspect.getmembers(loaded, inspect.isclass)
                  if kind.__module__ == module.name and all(
                      hasattr(kind, attr) for attr in ("id", "probe", "apply"))]
    return found


def test_each_step_says_in_one_line_what_it_guarantees_and_is_tried_on_a_fake_server() -> None:
    steps = step_classes()
    assert len(steps) > 20
    fake = "".join(Path(f"tests/unit/{name}").read_text() for name in (
        "test_steps_on_a_fake_host.py", "test_more_steps_on_a_fake_host.py"))
    for step in steps:
        doc = (step.__doc__ or "").strip().splitlines()
        assert doc and doc[0].endswith(".") and (len(doc) == 1 or doc[1].strip() == ""), step
        assert re.search(rf"\b{step.__name__}\(\)", fake), f"{step.__name__}: no fake-host test"
