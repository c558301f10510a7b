"""The import order of docs/architecture.md, checked on the source (no database, no Django).

Every module under src/ecotone is parsed with `ast`; every import counts, the ones inside
functions too (a hidden import is still an import). Three rules:

- a domain imports only the domains to its left in `ORDER`, and the shared modules below them;
- no module imports itself back through others (a circle), inside an app or across;
- nothing loads an Ecotone module by name (`importlib.import_module`, `import_string`,
  `__import__`): a registry (`navigation.py`, `maplayers.py`, `overview.py`, the permission
  rules' records) is how a module on the left learns of one on its right.

Each failure names the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"

# docs/architecture.md: a domain may import the domains to its left, never those to its right.
# The mentoring domain reads the atlas (equity priority), so the atlas comes before it. Shared
# measurement reads partners, programs and areas; mentoring does not need it (nor it mentoring).
# Quality (rubrics, assessments) may read any of them; none reads it. Challenges stands right
# of quality (calls name directory partners; reviewer assignment reads `ecotone.assignment`).
# Pathways read programs and partners only (design.md section 2), so they stand right after the
# directory; none of the apps to their right needs them yet. The network's newsletters pick
# programs and mentoring's needs, so it stands right of every domain but the demo.
ORDER = (
    "accounts",
    "ecosystems",
    "directory",
    "pathways",
    "atlas",
    "measures",
    "mentoring",
    "quality",
    "challenges",
    "network",
    "demo",
)

# Shared modules below every domain: they import no domain app.
PLATFORM = frozenset(
    {
        "ecotone",
        "ecotone.api",
        "ecotone.api.conditional",
        "ecotone.api.exceptions",
        "ecotone.api.pagination",
        "ecotone.api.parsers",
        "ecotone.api.query",
        "ecotone.api.schema",
        "ecotone.api.schema_view",
        "ecotone.api.throttling",
        "ecotone.assignment",
        "ecotone.backups",
        "ecotone.mail",
        "ecotone.attachments",
        "ecotone.ccd",
        "ecotone.cells",
        "ecotone.charts",
        "ecotone.clientip",
        "ecotone.concurrency",
        "ecotone.errors",
        "ecotone.exports",
        "ecotone.formats",
        "ecotone.formats.en",
        "ecotone.formats.en.formats",
        "ecotone.formats.es",
        "ecotone.formats.es.formats",
        "ecotone.health",
        "ecotone.limits",
        "ecotone.replicas",
        "ecotone.stale_runs",
        "ecotone.staticfinders",
        "ecotone.staticstorage",
        "ecotone.suppression",
        "ecotone.tabular_files",
        "ecotone.uploads",
        "ecotone.widgets",
        "ecotone.templatetags",
        "ecotone.templatetags.ecotone",
    }
)

# Registries later domains fill in their AppConfig.ready(). They are keyed on the tenant, so
# they stand with `ecosystems` in the order: they may import it (and accounts), and every
# domain from `ecosystems` on may import them.
REGISTRIES = frozenset(
    {
        "ecotone.maplayers",
        "ecotone.navigation",
        "ecotone.network_figures",
        "ecotone.overview",
        "ecotone.program_filters",
        "ecotone.program_panels",
    }
)

# Platform glue, above every domain, imported by none: the settings name every app, the root
# URLconf and the API's router mount every app's views.
GLUE = frozenset(
    {"ecotone.settings", "ecotone.urls", "ecotone.api.urls", "ecotone.wsgi", "ecotone.asgi"}
)

LOADERS = frozenset({"import_module", "import_string", "__import__"})

# Known breaks, each to be removed with its fix (the test fails while an entry no longer
# occurs, so the list cannot outlive them). None today.
PENDING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Import:
    source: str  # the importing module
    target: str  # the imported module (or package, when a name is imported from it)
    path: Path
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(SOURCE.parent)}:{self.line}"


def _modules() -> dict[str, tuple[Path, bool]]:
    found = {}
    for path in sorted((SOURCE / "ecotone").rglob("*.py")):
        parts = list(path.relative_to(SOURCE).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        found[".".join(parts)] = (path, is_package)
    return found


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), str(path)) for name, (path, _p) in MODULES.items()}


def _targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        package = ".".join([*base, node.module] if node.module else base)
    else:
        package = node.module or ""
    for alias in node.names:
        submodule = f"{package}.{alias.name}"
        yield submodule if submodule in MODULES else package


def _imports() -> list[Import]:
    found = []
    for module, (path, is_package) in MODULES.items():
        for node in ast.walk(TREES[module]):
            if isinstance(node, ast.Import | ast.ImportFrom):
                for target in _targets(module, is_package, node):
                    if target == "ecotone" or target.startswith("ecotone."):
                        found.append(Import(module, target, path, node.lineno))
    return found


IMPORTS = _imports()


def rank(module: str) -> float:
    """Where a module stands in the order: shared modules below the domains, registries with
    `ecosystems`, glue above them all."""
    if module in PLATFORM:
        return -1
    if module in GLUE:
        return len(ORDER)
    if module in REGISTRIES:
        return ORDER.index("ecosystems")
    app = module.split(".")[1]
    if app not in ORDER:
        raise AssertionError(
            f"{module} is in no domain and not listed as shared in tests/test_architecture.py"
        )
    return ORDER.index(app)


def layer(module: str) -> str:
    if module in PLATFORM:
        return "the shared modules"
    if module in GLUE:
        return "the platform glue"
    if module in REGISTRIES:
        return "the registries"
    return module.split(".")[1]


def order_breaks(imports: list[Import]) -> list[str]:
    breaks = []
    for imp in imports:
        if imp.target not in MODULES:
            breaks.append(f"{imp.where()}: {imp.source} imports {imp.target}, which does not exist")
        elif rank(imp.target) > rank(imp.source):
            breaks.append(
                f"{imp.where()}: {imp.source} imports {imp.target}: {layer(imp.source)} may "
                f"not import {layer(imp.target)}, to its right in docs/architecture.md's order "
                f"({' < '.join(ORDER)})"
            )
    return breaks


def circles(imports: list[Import]) -> list[list[str]]:
    """The strongly connected components of the import graph with more than one module
    (Tarjan's algorithm, iterative), each in a stable order."""
    graph: dict[str, set[str]] = {name: set() for name in MODULES}
    for imp in imports:
        if imp.target in MODULES and imp.target != imp.source:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
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
    return sorted(found)


def circle_breaks(imports: list[Import]) -> list[str]:
    breaks = []
    for component in circles(imports):
        members = set(component)
        edges = [imp for imp in imports if imp.source in members and imp.target in members]
        key = "circle: " + " -> ".join(component)
        if key in PENDING:
            continue
        lines = sorted({f"  {imp.where()}: {imp.source} imports {imp.target}" for imp in edges})
        breaks.append(
            "a circle of imports (move the code so they go one way; a task lives beside the "
            f"service it runs): {', '.join(component)}\n" + "\n".join(lines)
        )
    return breaks


def loader_breaks() -> list[str]:
    breaks = []
    for module, tree in TREES.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            name = (
                function.attr
                if isinstance(function, ast.Attribute)
                else getattr(function, "id", "")
            )
            if name in LOADERS and f"loader: {module}" not in PENDING:
                path = MODULES[module][0].relative_to(SOURCE.parent)
                breaks.append(
                    f"{path}:{node.lineno}: {module} loads a module by name ({name}): import it, "
                    "or have the app on the right register itself with a registry"
                )
    return breaks


def test_a_domain_imports_only_the_domains_to_its_left() -> None:
    breaks = order_breaks(IMPORTS)
    assert not breaks, "\n".join(breaks)


def test_no_domain_imports_the_platform_glue() -> None:
    breaks = [
        f"{imp.where()}: {imp.source} imports {imp.target}, which only Django loads"
        for imp in IMPORTS
        if imp.target in GLUE and imp.source not in GLUE
    ]
    assert not breaks, "\n".join(breaks)


def test_no_circle_of_imports() -> None:
    breaks = circle_breaks(IMPORTS)
    assert not breaks, "\n\n".join(breaks)


def test_no_module_is_loaded_by_name() -> None:
    breaks = loader_breaks()
    assert not breaks, "\n".join(breaks)


def test_every_known_break_still_occurs() -> None:
    """An entry of PENDING that no longer occurs was fixed: delete it."""
    occurring = {"circle: " + " -> ".join(c) for c in circles(IMPORTS)}
    occurring |= {
        f"loader: {module}"
        for module, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            getattr(node.func, "attr", None) in LOADERS or getattr(node.func, "id", None) in LOADERS
        )
    }
    assert occurring >= PENDING, f"fixed, remove from PENDING: {sorted(PENDING - occurring)}"


def test_every_module_has_a_place_in_the_order() -> None:
    for module in MODULES:
        rank(module)


@pytest.mark.parametrize(
    ("source", "target", "broken"),
    [
        ("ecotone.directory.views", "ecotone.mentoring.models", True),
        ("ecotone.atlas.services", "ecotone.mentoring.models", True),
        ("ecotone.ecosystems.views", "ecotone.directory.models", True),
        ("ecotone.suppression", "ecotone.ecosystems.models", True),
        ("ecotone.navigation", "ecotone.directory.models", True),
        ("ecotone.mentoring.services.opportunities", "ecotone.atlas.parameters", False),
        ("ecotone.ecosystems.views", "ecotone.overview", False),
        ("ecotone.api.urls", "ecotone.mentoring.api", False),
    ],
)
def test_the_order_check_tells_a_wrong_import(source: str, target: str, broken: bool) -> None:
    imp = Import(source, target, MODULES[source][0], 1)
    assert bool(order_breaks([imp])) is broken


def test_the_circle_check_finds_a_circle() -> None:
    path = MODULES["ecotone.mentoring.tasks"][0]
    back = Import("ecotone.mentoring.notifications", "ecotone.mentoring.tasks", path, 1)
    found = [c for c in circles([*IMPORTS, back]) if "ecotone.mentoring.tasks" in c]
    assert found
    assert "ecotone.mentoring.notifications" in found[0]
