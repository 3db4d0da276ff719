"""The services import each other without cycles, and nobody hides a cycle behind a lazy import.

Read from the source (ast, nothing imported), so a cycle fails here with its path rather than as
an ImportError in whichever module happens to be imported first. An import inside a function
body is how a cycle gets hidden, so those are refused in habits/, ledger/ and app.py except where
``LAZY_IMPORTS`` names the function and says why.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = "habits.services"

#: (module, function) -> why that function imports inside its body
LAZY_IMPORTS = {
    ("habits.web", "init_web"): "the page modules register their routes on web_bp, which this package "
    "defines: importing them at its top would be a cycle",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files() -> dict[str, Path]:
    """Every module of habits/, ledger/ and app.py by its dotted name."""
    paths = [ROOT / "app.py", *(ROOT / "habits").rglob("*.py"), *(ROOT / "ledger").rglob("*.py")]
    return {module_name(path): path for path in paths}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_time_imports(tree: ast.Module):
    """The import statements that run when the module is imported: not in a function body, not
    under ``if TYPE_CHECKING:``."""
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        elif isinstance(node, ast.If) and _is_type_checking(node):
            pending.extend(node.orelse)
        else:
            pending.extend(ast.iter_child_nodes(node))


def imported_modules(node: ast.Import | ast.ImportFrom, importer: str, is_package: bool, known) -> set[str]:
    """The known modules an import statement names (``from pkg import sub`` names ``pkg.sub``)."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names if alias.name in known}
    base = node.module or ""
    if node.level:
        package = importer.split(".") if is_package else importer.split(".")[:-1]
        anchor = ".".join(package[: len(package) - (node.level - 1)])
        base = f"{anchor}.{base}" if base else anchor
    found = set()
    for alias in node.names:
        if f"{base}.{alias.name}" in known:
            found.add(f"{base}.{alias.name}")
        elif base in known:
            found.add(base)
    return found


def services_graph() -> dict[str, set[str]]:
    """habits.services.* -> the habits.services.* modules it imports at import time."""
    files = {name: path for name, path in source_files().items() if name.startswith(SERVICES + ".")}
    graph = {}
    for name, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        is_package = path.name == "__init__.py"
        graph[name] = set()
        for node in import_time_imports(tree):
            graph[name] |= imported_modules(node, name, is_package, files) - {name}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as a path ``[a, b, ..., a]``, or None when the graph is acyclic."""
    state: dict[str, str] = {}  # "open" while on the current path, "done" once fully explored
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return path[path.index(target) :] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def imports_in_functions() -> dict[tuple[str, str], list[int]]:
    """(module, function) -> the lines of the imports in its body (nested functions count for the
    outermost one; a method is ``Class.method``)."""
    found: dict[tuple[str, str], list[int]] = {}
    for name, path in source_files().items():
        tree = ast.parse(path.read_text(encoding="utf-8"))

        def walk(node, owner: list[str], in_function: bool, name=name) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    walk(child, owner if in_function else [*owner, child.name], True)
                elif isinstance(child, ast.ClassDef):
                    walk(child, owner if in_function else [*owner, child.name], in_function)
                elif isinstance(child, (ast.Import, ast.ImportFrom)) and in_function:
                    found.setdefault((name, ".".join(owner)), []).append(child.lineno)
                else:
                    walk(child, owner, in_function)

        walk(tree, [], False)
    return found


def test_services_import_each_other_without_cycles():
    graph = services_graph()
    # not vacuous: the graph sees the services and their imports of each other
    assert "habits.services.wallets" in graph["habits.services.deposits"]
    assert "habits.services.payment_lookups" in graph["habits.services.refund_updates"]
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle in habits.services: " + " -> ".join(cycle)


def test_find_cycle_finds_one():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_import_of_a_sibling_module_is_an_edge():
    source = "from habits.services import wallets\nfrom . import deposits\nif TYPE_CHECKING:\n    import x\n"
    known = {"habits.services.wallets", "habits.services.deposits", "x"}
    names = set()
    for node in import_time_imports(ast.parse(source)):
        names |= imported_modules(node, "habits.services.withdrawals", False, known)
    assert names == {"habits.services.wallets", "habits.services.deposits"}


def test_no_imports_inside_functions_but_the_listed_ones():
    lazy = imports_in_functions()
    unlisted = {where: lines for where, lines in lazy.items() if where not in LAZY_IMPORTS}
    assert not unlisted, (
        "imports inside function bodies (move them to the top; if a cycle forces one, break the "
        f"cycle, or add the function to LAZY_IMPORTS with the reason): {unlisted}"
    )


def test_the_list_of_lazy_imports_names_only_functions_that_have_one():
    lazy = imports_in_functions()
    stale = sorted(where for where in LAZY_IMPORTS if where not in lazy)
    assert not stale, f"LAZY_IMPORTS names functions with no import inside any more, remove them: {stale}"
    assert all(reason.strip() for reason in LAZY_IMPORTS.values())
