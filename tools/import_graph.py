"""The import picture of kerasish, drawn from the code's own import statements.

Modules are grouped into *rooms* (a top-level module, or a sub-package of `kerasish`), each room
sits on a *floor* (`FLOORS`, the layering docs/architecture.md describes: the engine at the bottom,
the public facade on top). An *arrow* is a room importing another room; an arrow *up* imports from
a higher floor. A *circle* is a set of modules that import each other at import time (module-level
imports), or that would if every late import (inside a function) ran at once.

Late imports are reported apart: those inside functions that point up are violations unless the
import line, or the comment line just above it, says ``late import (plugin)``: the design asks for
it (a facade attribute resolved on first use, a codec found by name) and the comment says why.

Run from the repository root:
    python tools/import_graph.py            # the picture as text
    python tools/import_graph.py --check    # exit status 1 on any up-arrow or circle
"""
import argparse
import ast
import os
import sys
from collections import defaultdict

PACKAGE = "kerasish"
ALLOWED_MARK = "late import (plugin)"

# Floors, bottom up. A room may import rooms on its own floor or below (never forming a circle).
FLOORS = {
    0: ["backend"],          # the numeric engine: config, Tensor, tape, ops (imports nothing of kerasish above it)
    1: ["utils"],            # registry, safe-mode flag, Lambda bytecode check, data/image/sequence helpers
    2: ["activations", "initializers", "regularizers", "constraints", "ops", "legacy"],  # legacy: Keras 1 args
    3: ["losses", "objectives", "metrics", "optimizers"],  # compute on the engine alone
    4: ["mixed_precision"],  # dtype policies (layers use them) and LossScaleOptimizer (wraps an optimizer)
    5: ["layers"],           # Layer, KerasTensor, Node, every layer family, op layers (add_metric uses metrics)
    6: ["saving"],           # configs and weights files; finds layer and model classes through the registry
    7: ["callbacks"],        # fit's callbacks, TensorBoard among them
    8: ["models"],           # Model, Functional, Sequential, fit, the symbolic K.function/K.gradients
    9: ["preprocessing", "datasets", "distribute", "testing"],
    10: ["applications", "wrappers", "engine", "legacy_paths"],  # legacy_paths: Keras 2 module paths
    11: ["__init__", "__main__"],  # the public facade `kerasish` and the demo
}
# Modules that only keep a Keras 2 import path alive (re-exporting from higher floors) live in their own room.
LEGACY_PATH_MODULES = {"kerasish.utils.losses_utils", "kerasish.utils.test_utils"}
FLOOR_OF = {room: floor for floor, rooms in FLOORS.items() for room in rooms}


def module_name(path, root):
    rel = os.path.relpath(path, root)[:-3].split(os.sep)
    if rel[-1] == "__init__":
        rel = rel[:-1]
    return ".".join(rel)


def room_of(module):
    if module in LEGACY_PATH_MODULES:
        return "legacy_paths"
    parts = module.split(".")
    if len(parts) == 1:
        return "__init__"
    return parts[1]


class ImportCollector(ast.NodeVisitor):
    """Collects (target, lineno, late) for every import; `late` when inside a function."""

    def __init__(self, module, is_package, known):
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.known = known
        self.depth = 0
        self.found = []

    def _resolve(self, level, name):
        if level == 0:
            return name
        base = self.package.split(".")
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    def _add(self, target, node):
        if target and target.split(".")[0] == PACKAGE:
            self.found.append((target, node.lineno, self.depth > 0))

    def visit_FunctionDef(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        base = self._resolve(node.level, node.module)
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            self._add(sub if sub in self.known else base, node)

    def visit_Call(self, node):
        # importlib.import_module("kerasish.x") / __import__("kerasish.x"): a computed name is "<dynamic>"
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in ("import_module", "__import__") and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                level = len(arg.value) - len(arg.value.lstrip("."))
                target = self._resolve(level, arg.value.lstrip(".")) if level else arg.value
                self.found.append((target, node.lineno, self.depth > 0))
            else:
                self.found.append(("<dynamic>", node.lineno, self.depth > 0))
        self.generic_visit(node)


def collect(root):
    files = {}
    for dirpath, dirnames, filenames in os.walk(os.path.join(root, PACKAGE)):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for f in sorted(filenames):
            if f.endswith(".py"):
                path = os.path.join(dirpath, f)
                files[module_name(path, root)] = path
    known = set(files)
    imports = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as fh:
            source = fh.read()
        lines = source.splitlines()
        collector = ImportCollector(module, path.endswith("__init__.py"), known)
        collector.visit(ast.parse(source, path))
        entries = []
        for target, lineno, late in collector.found:
            if target != "<dynamic>":
                while target not in known and "." in target:
                    target = target.rpartition(".")[0]
            context = lines[lineno - 1] + "\n" + (lines[lineno - 2] if lineno > 1 else "")
            entries.append((target, lineno, late, ALLOWED_MARK in context))
        imports[module] = entries
    return files, imports


def module_edges(imports, include_late):
    """module -> set of modules it makes Python import (package __init__s on the way included)."""
    edges = defaultdict(set)
    for module, entries in imports.items():
        own_ancestors = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
        for target, _, late, _ in entries:
            if target == "<dynamic>" or (late and not include_late) or target == module:
                continue
            parts = target.split(".")
            for i in range(2, len(parts) + 1):  # importing a.b.c runs a.b's __init__ first
                step = ".".join(parts[:i])
                if step not in own_ancestors and step != module:
                    edges[module].add(step)
    return edges


def strongly_connected(edges):
    """Tarjan's components with more than one member (or a self loop)."""
    index, low, stack, on_stack, out = {}, {}, [], set(), []
    counter = [0]
    nodes = set(edges) | {t for ts in edges.values() for t in ts}
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(nodes):
        if v not in index:
            visit(v)
    return out


def picture(root):
    files, imports = collect(root)
    lines = []
    rooms = sorted({room_of(m) for m in files}, key=lambda r: (FLOOR_OF.get(r, 99), r))
    unplaced = [r for r in rooms if r not in FLOOR_OF]
    used_floors = sorted({FLOOR_OF[r] for r in rooms if r in FLOOR_OF})
    lines.append(f"rooms: {len(rooms)} on {len(used_floors)} floors")
    for floor in reversed(used_floors):
        members = [r for r in rooms if FLOOR_OF.get(r) == floor]
        lines.append(f"  floor {floor}: {', '.join(members)}")
    if unplaced:
        lines.append(f"  NOT PLACED on a floor: {', '.join(unplaced)}")

    arrows = defaultdict(list)  # (from room, to room) -> [(module, line, late, allowed)]
    for module, entries in imports.items():
        for target, lineno, late, allowed in entries:
            if target == "<dynamic>":
                continue
            a, b = room_of(module), room_of(target)
            if a != b and b != "__init__" or (b == "__init__" and a != "__init__"):
                arrows[(a, b)].append((module, lineno, late, allowed))
    module_level = {k for k, v in arrows.items() if any(not late for _, _, late, _ in v)}
    lines.append(f"arrows between rooms: {len(arrows)} ({len(module_level)} with a module-level import)")

    def floor(r):
        return FLOOR_OF.get(r, 99)

    up, allowed_up = [], []
    for (a, b), sites in sorted(arrows.items()):
        if floor(b) <= floor(a):
            continue
        bad = [s for s in sites if not s[3]]
        (up if bad else allowed_up).append(((a, b), bad or sites))
    lines.append(f"arrows up: {len(up)}")
    for (a, b), sites in up:
        lines.append(f"  {a} (floor {floor(a)}) -> {b} (floor {floor(b)})")
        for module, lineno, late, _ in sites:
            lines.append(f"      {module}:{lineno}{'  [late]' if late else ''}")
    lines.append(f"arrows up through a commented plugin-style late import: {len(allowed_up)}")
    for (a, b), sites in allowed_up:
        where = ", ".join(f"{m}:{n}" for m, n, _, _ in sites)
        lines.append(f"  {a} -> {b}: {where}")

    room_edges = defaultdict(set)
    for (a, b) in module_level:
        room_edges[a].add(b)
    room_circles = strongly_connected(room_edges)
    lines.append(f"room circles (module-level imports): {len(room_circles)}")
    for c in room_circles:
        lines.append("  " + " <-> ".join(c))

    for include_late, title in ((False, "module circles (import time)"),
                                (True, "module circles counting late imports too")):
        circles = strongly_connected(module_edges(imports, include_late))
        lines.append(f"{title}: {len(circles)}")
        for c in circles:
            shown = ", ".join(c[:12]) + (f", ... ({len(c)} modules)" if len(c) > 12 else "")
            lines.append(f"  [{shown}]")

    late_sites = [(m, n, t, ok) for m, es in imports.items() for t, n, late, ok in es if late]
    dynamic = [(m, n) for m, es in imports.items() for t, n, _, _ in es if t == "<dynamic>"]
    lines.append(f"late imports (inside functions): {len(late_sites)}; imports by a computed name: {len(dynamic)}")
    for m, n in dynamic:
        lines.append(f"  dynamic: {m}:{n}")

    sizes = sorted(((sum(1 for _ in open(p, encoding='utf-8')), m) for m, p in files.items()), reverse=True)
    lines.append("largest modules: " + ", ".join(f"{m} ({n})" for n, m in sizes[:8]))
    return lines, bool(up or room_circles or strongly_connected(module_edges(imports, True)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--check", action="store_true", help="exit 1 on an arrow up or a circle")
    args = parser.parse_args()
    lines, broken = picture(args.root)
    print("\n".join(lines))
    if args.check and broken:
        sys.exit(1)


if __name__ == "__main__":
    main()
