"""The layering of the code base (docs/architecture.md, "Layers of the code base") holds: the engine imports
nothing above it, no module imports from a floor above its own, and no modules import each other, counting
imports inside functions too (tools/import_graph.py draws the picture)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import import_graph  # noqa: E402


def _line(lines, title):
    return next(line for line in lines if line.startswith(title))


def test_no_arrow_points_up_and_no_circle():
    lines, broken = import_graph.picture(ROOT)
    text = "\n".join(lines)
    assert "NOT PLACED" not in text, text
    assert _line(lines, "arrows up:") == "arrows up: 0", text
    assert _line(lines, "room circles") == "room circles (module-level imports): 0", text
    assert _line(lines, "module circles (import time)") == "module circles (import time): 0", text
    assert _line(lines, "module circles counting") == "module circles counting late imports too: 0", text
    assert not broken
    # the engine is floor 0: any arrow out of it would be an arrow up
    assert import_graph.FLOORS[0] == ["backend"]
