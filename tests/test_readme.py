"""Each of the README's Python snippets runs as written, on its own (a fresh namespace each, as a user who
copies one snippet into a new file would run it), so the first five minutes never hit a stale example."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the snippets save files
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    for block in blocks:
        block = block.replace("epochs=10", "epochs=1").replace("epochs=3", "epochs=1").replace(
            "range(100)", "range(3)")
        exec(compile(block, "README.md", "exec"), {"__name__": "__readme__"})
