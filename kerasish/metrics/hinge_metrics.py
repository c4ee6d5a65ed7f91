"""Hinge metrics: the running means of the hinge, squared hinge and categorical hinge losses.

Example:
    >>> from kerasish.metrics import Hinge
    >>> m = Hinge()
    >>> m.update_state([[1.0, -1.0]], [[0.5, -0.5]])
    >>> float(m.result())
    0.5
"""
from .. import losses as _losses
from ..losses import hinge, squared_hinge
from .reduction_metrics import _wrapper_class


Hinge = _wrapper_class("Hinge", hinge, "hinge", """\
Running mean hinge loss.

    Example:
        >>> m = Hinge()
        >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
        >>> float(m.result())
        1.0
""")
SquaredHinge = _wrapper_class("SquaredHinge", squared_hinge, "squared_hinge", """\
Running mean squared hinge loss.

    Example:
        >>> m = SquaredHinge()
        >>> m.update_state([[0.0, 1.0]], [[0.5, 0.5]])
        >>> float(m.result())
        1.25
""")
CategoricalHinge = _wrapper_class("CategoricalHinge", _losses.categorical_hinge, "categorical_hinge", """\
Running mean categorical hinge loss.

    Example:
        >>> m = CategoricalHinge()
        >>> m.update_state([[0.0, 1.0]], [[0.3, 0.6]])
        >>> round(float(m.result()), 6)
        0.7
""")
