"""Record the public names of Keras 2.3.1 and tf.keras 2.x into tests/data/keras_api_surface.json.

The API-surface test (tests/test_api_surface.py) checks that every recorded name resolves in kerasish.

- Keras 2.3.1 is read statically from its source at the git tag (no TensorFlow 1 needed):
  `--keras-git-dir` points at a clone of github.com/keras-team/keras. A module's public names are what
  it defines at top level (classes, functions, public assignments) plus, for a package's
  `__init__.py`, the names it imports from Keras modules, and for any module the classes and
  functions it re-exports from a sibling module of its own package (`keras.layers.convolutional`
  re-exports the pooling and padding layers); a module directly under `keras` also re-exports what it
  imports from Keras modules other than `keras.utils`, `keras.backend` and `keras.legacy`
  (`keras.models.load_model`, `keras.metrics.mse`). Star imports give the source module's names.
  Other imports (`K`, `np`, helpers from `keras.utils`) are incidental, not API.
- tf.keras is imported (`--tf-keras` runs inside an environment with tf_keras installed) and its
  public v2 module tree `tf_keras.*` is walked (the private `src` tree is not API).

Usage:
    python tools/record_api_surface.py --keras-git-dir /path/to/keras.git --tag 2.3.1 --part keras
    /path/to/tfenv/bin/python tools/record_api_surface.py --part tf_keras
Each run updates its own part of the JSON file and keeps the other.
"""
import argparse
import ast
import json
import os
import subprocess
import types

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = os.path.join(HERE, "..", "tests", "data", "keras_api_surface.json")


def _git(git_dir, *args):
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True,
                          text=True).stdout


def _module_name(path):
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _resolve_relative(module, is_package, level, target):
    """The absolute dotted name of `from <level dots><target> import ...` inside `module`."""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    if level > 1:
        base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _top_level_statements(body):
    """Statements at module level, looking inside `if`/`try` blocks (conditional imports, fallbacks)."""
    for node in body:
        if isinstance(node, ast.If):
            yield from _top_level_statements(node.body)
            yield from _top_level_statements(node.orelse)
        elif isinstance(node, ast.Try):
            yield from _top_level_statements(node.body)
            for handler in node.handlers:
                yield from _top_level_statements(handler.body)
            yield from _top_level_statements(node.orelse)
        else:
            yield node


def _keras_public_names(sources, modules):
    """{module: sorted public names} for the Keras source tree `sources` ({path: text})."""
    definitions = {}   # module -> names it defines itself
    imports = {}       # module -> [(name, source module, original name)] from keras modules
    module_aliases = {}
    for path, text in sources.items():
        module = _module_name(path)
        is_package = path.endswith("__init__.py")
        defined, imported, aliases = set(), [], set()
        for node in _top_level_statements(ast.parse(text).body):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                defined.add(node.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        defined.add(target.id)
            elif isinstance(node, ast.Import):
                aliases.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                source = (_resolve_relative(module, is_package, node.level, node.module) if node.level
                          else node.module or "")
                for alias in node.names:
                    local = alias.asname or alias.name
                    if source == "keras" or source.startswith("keras."):
                        if f"{source}.{alias.name}" in modules:
                            aliases.add(local)  # a submodule, recorded as a module of its own
                        else:
                            imported.append((local, source, alias.name))
                    else:
                        aliases.add(local)
        definitions[module] = defined - aliases
        imports[module] = imported
        module_aliases[module] = aliases

    packages = {_module_name(p) for p in sources if p.endswith("__init__.py")}
    result = {}

    def public(module):
        if module in result:
            return result[module]
        result[module] = []  # an import cycle gives the names found so far
        is_package = module in packages
        package = module if is_package else module.rpartition(".")[0]
        names = set(definitions[module])
        for local, source, _original in imports[module]:
            if local == "*":
                names.update(public(source) if source in definitions else [])
                continue
            sibling = source.rpartition(".")[0] == package
            helper = source.split(".")[1] in ("utils", "backend", "legacy") if "." in source else False
            if is_package or sibling or (package == "keras" and not helper):
                names.add(local)
        result[module] = sorted(n for n in names if not n.startswith("_"))
        return result[module]

    for module in sorted(definitions):
        public(module)
    return dict(sorted(result.items()))


def record_keras(git_dir, tag):
    paths = [p for p in _git(git_dir, "ls-tree", "-r", "--name-only", tag, "keras").split()
             if p.endswith(".py")]
    sources = {p: _git(git_dir, "show", f"{tag}:{p}") for p in paths}
    modules = {_module_name(p) for p in paths}
    return _keras_public_names(sources, modules)


def record_tf_keras():
    import tf_keras

    result = {}

    def walk(module, public_path):
        names = []
        for name in sorted(dir(module)):
            if name.startswith("_"):
                continue
            value = getattr(module, name)
            if isinstance(value, types.ModuleType):
                if value.__name__.startswith(module.__name__ + ".") and ".src" not in value.__name__:
                    walk(value, f"{public_path}.{name}")
                continue  # a private module reachable from a public one (tf_keras.src) is not API
            names.append(name)
        result[public_path] = names

    walk(tf_keras, "keras")
    return {"version": tf_keras.__version__, "modules": result}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["keras", "tf_keras"], required=True)
    parser.add_argument("--keras-git-dir")
    parser.add_argument("--tag", default="2.3.1")
    args = parser.parse_args()
    data = {}
    if os.path.exists(OUTPUT):
        with open(OUTPUT) as f:
            data = json.load(f)
    if args.part == "keras":
        if not args.keras_git_dir:
            parser.error("--keras-git-dir is required for --part keras")
        data["keras"] = {"version": args.tag, "modules": record_keras(args.keras_git_dir, args.tag)}
    else:
        data["tf_keras"] = record_tf_keras()
    os.makedirs(os.path.dirname(OUTPUT), exist_ok=True)
    with open(OUTPUT, "w") as f:
        json.dump(data, f, indent=1, sort_keys=True)
        f.write("\n")
    for part, content in data.items():
        print(part, content["version"], sum(len(v) for v in content["modules"].values()), "names in",
              len(content["modules"]), "modules")


if __name__ == "__main__":
    main()
