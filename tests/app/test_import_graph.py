"""The import graph of trainee_portal and competencies, read with ast (nothing is imported): no cycles between
modules, no private names borrowed from another module, and a domain core that needs only the standard library.

Every import counts, at module level or inside a function. `from package import name` points at the submodule
when `name` is one, else at the package's __init__; importing a submodule is not counted as importing its parents.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("trainee_portal", "competencies")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (relative imports resolved against the importing module)."""
    if not node.level:
        return node.module or ""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    package = package[: len(package) - (node.level - 1)]
    return ".".join(package + ([node.module] if node.module else []))


def _imports(module: str, path: Path, known: set[str]):
    """(target module, imported name or None) for every import statement in the file, wherever it stands."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, path, node)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                yield (submodule, None) if submodule in known else (base, alias.name)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {
        module: {target for target, _ in _imports(module, path, known) if target in known and target != module}
        for module, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_imports_itself_back_through_others():
    assert _cycles(_graph()) == []


def test_no_cycle_through_the_feature_packages_either():
    """Importing trainee_portal.logbook.attachments first runs trainee_portal/logbook/__init__.py (which imports the
    feature's routes): counted too, except a module's own packages and the two roots (the app factory, the core's
    export list), which import everything below them."""
    graph = _graph()
    for module, targets in graph.items():
        for target in list(targets):
            parts = target.split(".")
            packages = {".".join(parts[:end]) for end in range(2, len(parts))}
            targets |= {p for p in packages if p in graph and not (module == p or module.startswith(p + "."))}
    assert _cycles(graph) == []


def test_no_private_name_is_imported_from_another_module():
    modules = _modules()
    known = set(modules)
    borrowed = [
        f"{module} imports {name} from {target}"
        for module, path in modules.items()
        for target, name in _imports(module, path, known)
        if name and name.startswith("_") and not name.startswith("__")
    ]
    assert borrowed == []


def test_the_domain_core_imports_only_the_standard_library():
    modules = _modules()
    known = set(modules)
    outside = sorted(
        f"{module} imports {target}"
        for module, path in modules.items()
        if module.split(".")[0] == "competencies"
        for target, _ in _imports(module, path, known)
        if target.split(".")[0] not in ("competencies", *sys.stdlib_module_names)
    )
    assert outside == []


def test_imports_inside_functions_say_why():
    """Imports belong at the top of a module; one inside a function must say on its line what forces it there."""
    unexplained = []
    for module, path in _modules().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for function in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                unexplained += [
                    f"{module}:{node.lineno}"
                    for node in ast.walk(function)
                    if isinstance(node, (ast.Import, ast.ImportFrom)) and "#" not in lines[node.end_lineno - 1]
                ]
    assert unexplained == []


def test_notifications_import_no_feature():
    """Features register their send-time renderers with notifications (notifications.renderers), not the reverse."""
    features = ("admin", "arcp", "auth", "cohort", "dashboard", "demo", "evidence", "exams", "home", "signoff", "stages")
    graph = _graph()
    reached = sorted(
        f"{module} imports {target}"
        for module, targets in graph.items()
        if module.startswith("trainee_portal.notifications")
        for target in targets
        if target.split(".")[:2] in (["trainee_portal", feature] for feature in features)
    )
    assert reached == []
