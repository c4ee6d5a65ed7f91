"""Names that Keras 2 modules re-exported from their neighbours, resolved on first use.

`keras.layers.convolutional` re-exported the pooling, padding, cropping and upsampling layers, and
`keras.layers.core` the spatial dropouts; in kerasish those live in modules that import
`convolutional`/`core` themselves, so the old module paths find them lazily (a module `__getattr__`)
instead of importing them at load time.

Example:
    >>> from kerasish.layers.convolutional import MaxPooling2D
    >>> from kerasish.layers import pooling
    >>> MaxPooling2D is pooling.MaxPooling2D
    True
"""
import importlib


def lazy_reexports(module_name: str, names_by_module: dict):
    """A module-level `__getattr__` for `module_name` that finds `names_by_module[source]` in `source`.

    `source` is a module of `kerasish.layers` ("pooling", "reshaping", ...).
    """

    def __getattr__(name):
        for source, names in names_by_module.items():
            if name in names:
                return getattr(importlib.import_module(f"kerasish.layers.{source}"), name)
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")

    return __getattr__
