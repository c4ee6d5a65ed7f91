"""Keras 1 argument names, converted to Keras 2's with a warning, as standalone Keras 2.0-2.3 did.

Tutorials and published scripts of the Keras 1 era write `Dense(output_dim=10, init="uniform")`,
`Convolution2D(32, 3, 3, border_mode="same")`, `Dropout(p=0.5)` or `model.fit(x, y, nb_epoch=10)`.
Standalone Keras 2.3.1 (`keras/legacy/interfaces.py`) still took them: each layer constructor and a few
model methods carried a decorator that renamed the old arguments, converted old values
(`dim_ordering="th"` -> `data_format="channels_first"`) and warned with the Keras 2 call to write
instead. The tables below are Keras 2.3.1's, one decorator per family, applied where Keras 2.3.1 applied
them. Arguments no table knows still reach the constructor and get its usual TypeError.

Unlike Keras 2.3.1 the decorators do not limit the number of positional arguments: kerasish follows
tf.keras, where `Dense(64, "relu")` is valid.

Example:
    >>> import warnings
    >>> import kerasish as keras
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     layer = keras.layers.Dense(output_dim=2, init="uniform", name="d")
    >>> layer.units, type(layer.kernel_initializer).__name__
    (2, 'RandomUniform')
    >>> print(caught[0].message)
    Update your `Dense` call to the Keras 2 API: `Dense(name="d", units=2, kernel_initializer="uniform")`
"""
import functools
import inspect
import threading

import numpy as np

from ..backend.user_warnings import warn

__all__ = ["generate_legacy_interface", "generate_legacy_method_interface", "raise_duplicate_arg_error"]

# Keras 1's `dim_ordering` values; "default" meant the configured image data format (None in Keras 2)
_DIM_ORDERING = {"dim_ordering": {"tf": "channels_last", "th": "channels_first", "default": None}}

# Renames shared by several families (Keras 1 called kernels W, biases b, recurrent kernels U)
_KERNEL_AND_BIAS = [("init", "kernel_initializer"), ("W_regularizer", "kernel_regularizer"),
                    ("b_regularizer", "bias_regularizer"), ("W_constraint", "kernel_constraint"),
                    ("b_constraint", "bias_constraint"), ("bias", "use_bias")]
_CONV_GEOMETRY = [("nb_filter", "filters"), ("subsample", "strides"), ("border_mode", "padding"),
                  ("dim_ordering", "data_format")]


def raise_duplicate_arg_error(old_arg: str, new_arg: str):
    """The TypeError for a call that passes both a Keras 1 argument and its Keras 2 name."""
    raise TypeError(f"For the `{new_arg}` argument, the layer received both the legacy keyword argument "
                    f"`{old_arg}` and the Keras 2 keyword argument `{new_arg}`. Stick to the latter!")


def _shown(value) -> str:
    """A value as Keras 2.3.1's warning shows it: strings quoted, arrays as `array`, the rest cut at 10 chars."""
    if isinstance(value, str):
        return f'"{value}"'
    text = "array" if isinstance(value, np.ndarray) else str(value)
    return text[:10] + "..." if len(text) > 10 else text


def _keras2_call(name: str, args, kwargs) -> str:
    return f"`{name}(" + ", ".join([_shown(a) for a in args] + [f"{k}={_shown(v)}" for k, v in kwargs.items()]) \
        + ")`"


def generate_legacy_interface(allowed_positional_args=None, conversions=None, preprocessor=None,
                              value_conversions=None, object_type: str = "class", object_name: str = None):
    """A decorator for a constructor (`object_type="class"`) or method that takes Keras 1 argument names.

    Args:
        allowed_positional_args: accepted for Keras 2.3.1's signature; not enforced (see the module doc).
        conversions: `[(old_name, new_name), ...]`, applied in order.
        preprocessor: `f(args, kwargs) -> (args, kwargs, converted)` for conversions a rename cannot say
            (`Convolution2D(5, 3, 3)` -> `Conv2D(5, (3, 3))`); `args` include `self`; `converted` is a list
            of `(new, old)` pairs that make the call warn.
        value_conversions: `{old_name: {old_value: new_value}}`, applied before the renames.
        object_type: "class" names the warning after the instance's class, "method" after the function.
        object_name: the name the warning uses instead (a class the user knows by another name).

    Example:
        >>> import warnings
        >>> from kerasish.legacy.interfaces import generate_legacy_interface
        >>> class Box:
        ...     @generate_legacy_interface(conversions=[("size_in_cm", "size")])
        ...     def __init__(self, size):
        ...         self.size = size
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     Box(size_in_cm=3).size
        3
    """
    del allowed_positional_args  # tf.keras takes more positional arguments than Keras 2.3.1 did
    conversions = list(conversions or [])
    value_conversions = dict(value_conversions or {})
    known = {old for old, _ in conversions}

    def legacy_support(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            converted = getattr(_PENDING, "items", None) or []  # what a Keras 1 class name converted first
            if converted:
                _PENDING.items = None
            if preprocessor is not None:
                args, kwargs, more = preprocessor(args, kwargs)
                converted += more
            if known.isdisjoint(kwargs) and not converted:
                return func(*args, **kwargs)  # a Keras 2 call: nothing to convert
            for key, table in value_conversions.items():
                if key in kwargs:
                    try:
                        kwargs[key] = table.get(kwargs[key], kwargs[key])
                    except TypeError:  # an unhashable value is no Keras 1 value
                        pass
            for old, new in conversions:
                if old in kwargs:
                    value = kwargs.pop(old)
                    if new in kwargs:
                        raise_duplicate_arg_error(old, new)
                    kwargs[new] = value
                    converted.append((new, old))
            if converted:
                name = object_name or (type(args[0]).__name__ if object_type == "class" else func.__name__)
                warn(f"Update your `{name}` call to the Keras 2 API: {_keras2_call(name, args[1:], kwargs)}")
            return func(*args, **kwargs)

        wrapper.__signature__ = inspect.signature(func)  # argspec readers see the real arguments
        wrapper._legacy_support_signature = wrapper.__signature__
        return wrapper

    return legacy_support


generate_legacy_method_interface = functools.partial(generate_legacy_interface, object_type="method")


# --------------------------------------------------------------------------- preprocessors
def _forget_bias_init(kwargs, converted):
    """Keras 1's `forget_bias_init="one"` is Keras 2's `unit_forget_bias=True`; other values are dropped."""
    if "forget_bias_init" in kwargs:
        if kwargs.pop("forget_bias_init") == "one":
            kwargs["unit_forget_bias"] = True
            converted.append(("forget_bias_init", "unit_forget_bias"))
        else:
            warn("The `forget_bias_init` argument has been ignored. Use `unit_forget_bias=True` instead to "
                 "initialize with ones.")


def _input_dim_to_shape(kwargs):
    length = kwargs.pop("input_length", None)
    kwargs["input_shape"] = (length, kwargs.pop("input_dim"))


def embedding_kwargs_preprocessor(args, kwargs):
    """`Embedding(dropout=...)` is gone: dropped, with a pointer to SpatialDropout1D."""
    if "dropout" in kwargs:
        kwargs.pop("dropout")
        warn("The `dropout` argument is no longer support in `Embedding`. You can apply a "
             "`keras.layers.SpatialDropout1D` layer right after the `Embedding` layer to get the same behavior.")
    return args, kwargs, []


def recurrent_args_preprocessor(args, kwargs):
    """`forget_bias_init`, and `input_dim`/`input_length` as one `input_shape`."""
    converted = []
    _forget_bias_init(kwargs, converted)
    if "input_dim" in kwargs:
        _input_dim_to_shape(kwargs)
        converted.append(("input_dim", "input_shape"))
        warn("The `input_dim` and `input_length` arguments in recurrent layers are deprecated. "
             "Use `input_shape` instead.")
    return args, kwargs, converted


def conv1d_args_preprocessor(args, kwargs):
    """`input_dim`/`input_length` as one `input_shape`."""
    converted = []
    if "input_dim" in kwargs:
        _input_dim_to_shape(kwargs)
        converted.append(("input_shape", "input_dim"))
    return args, kwargs, converted


def _kernel_from_positions(args, kwargs, rank, names, all_positional=False):
    """Keras 1 gave each kernel side as its own argument: `Convolution2D(5, 3, 3)`, `(5, 3, nb_col=3)`,
    `(5, nb_row=3, nb_col=3)`. Returns `(args, kwargs, converted)` with one `kernel_size` tuple; any other
    call (a Keras 2 call, or more positional arguments than Keras 1 took) is left to the constructor.

    Every side positional (`(5, 3, 3)`) is Keras 1's reading only under Keras 1's class names
    (`all_positional`, see `keras1_name`) or in a call that also uses Keras 1's argument names
    (`ConvLSTM2D(5, 3, 3, border_mode="same")`): otherwise tf.keras reads `Conv2D(64, 3, 2)` as strides=2."""
    given = list(args[2:])
    if len(given) > rank or not all(isinstance(a, int) and not isinstance(a, bool) for a in given):
        return args, kwargs, []
    missing = names[len(given):]
    if not given and len(args) < 2:  # only `self`: every side by name
        if all(n in kwargs for n in names):
            kwargs["kernel_size"] = tuple(kwargs.pop(n) for n in names)
            return args, kwargs, [("kernel_size", "/".join(names))]
        return args, kwargs, []
    if missing and not all(n in kwargs for n in missing):
        return args, kwargs, []  # `Conv2D(5, 3)`: a Keras 2 call
    if not missing and not all_positional and _KERAS1_ONLY.isdisjoint(kwargs):
        return args, kwargs, []  # `Conv2D(64, 3, 2)`: tf.keras's kernel 3, strides 2
    if not missing and any(k in kwargs for k in ("padding", "strides", "data_format")):
        raise ValueError("It seems that you are using the Keras 2 and you are passing both `kernel_size` and "
                         "`strides` as integer positional arguments. For safety reasons, this is disallowed. "
                         "Pass `strides` as a keyword argument instead.")
    kernel = tuple(given) + tuple(kwargs.pop(n) for n in missing)
    return tuple(args[:2]) + (kernel,), kwargs, [("kernel_size", "/".join(names))]


# argument names only Keras 1 used, in the families whose kernel sides were positional: a call with one of them is
# Keras 1 code
_KERAS1_ONLY = frozenset({"nb_filter", "border_mode", "subsample", "dim_ordering", "init", "W_regularizer",
                          "b_regularizer", "W_constraint", "b_constraint", "bias", "inner_init", "forget_bias_init",
                          "inner_activation", "dropout_W", "dropout_U", "U_regularizer", "output_shape"})


def conv2d_args_preprocessor(args, kwargs, all_positional=False):
    """`nb_row`/`nb_col` (positional or named) as one `kernel_size`."""
    return _kernel_from_positions(args, kwargs, 2, ("nb_row", "nb_col"), all_positional)


def conv3d_args_preprocessor(args, kwargs, all_positional=False):
    """`kernel_dim1/2/3` (positional or named) as one `kernel_size`."""
    return _kernel_from_positions(args, kwargs, 3, ("kernel_dim1", "kernel_dim2", "kernel_dim3"), all_positional)


# conversions a Keras 1 class name made before the Keras 2 constructor ran: its decorator warns for them too
_PENDING = threading.local()


class _Keras1Name(type):
    """The type of a Keras 1 layer name: isinstance/issubclass answer for the Keras 2 class it names (in Keras
    2.x `Convolution2D` was `Conv2D` itself); a user's subclass of the name is an ordinary class."""

    def __instancecheck__(cls, obj):
        keras2 = cls.__dict__.get("_keras2_class")
        return isinstance(obj, keras2) if keras2 is not None else type.__instancecheck__(cls, obj)

    def __subclasscheck__(cls, sub):
        keras2 = cls.__dict__.get("_keras2_class")
        return issubclass(sub, keras2) if keras2 is not None else type.__subclasscheck__(cls, sub)


def keras1_name(name: str, keras2_class: type, preprocessor):
    """A Keras 1 class name for `keras2_class` whose calls read every kernel side given positionally as Keras 1
    did (`Convolution2D(32, 3, 3)`: a 3x3 kernel), then build the Keras 2 class (which converts, and warns for,
    the rest). Under the Keras 2 name the same call keeps tf.keras's reading (`Conv2D(32, 3, 3)`: strides 3).

    Example:
        >>> import warnings
        >>> import kerasish as keras
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     old = keras.layers.Convolution2D(8, 3, 3)
        >>> type(old).__name__, old.kernel_size, old.strides, isinstance(old, keras.layers.Convolution2D)
        ('Conv2D', (3, 3), (1, 1), True)
        >>> keras.layers.Conv2D(8, 3, 3).strides
        (3, 3)
    """
    def __new__(cls, *args, **kwargs):
        if cls is not alias:  # a user's subclass of the old name: an ordinary subclass of the Keras 2 class
            return super(alias, cls).__new__(cls, *args, **kwargs)
        full, kwargs, converted = preprocessor((None,) + args, kwargs, all_positional=True)
        _PENDING.items = list(converted)
        try:
            return keras2_class(*full[1:], **kwargs)
        finally:
            _PENDING.items = None

    alias = _Keras1Name(name, (keras2_class,), {
        "__new__": __new__, "_keras2_class": keras2_class, "__module__": keras2_class.__module__,
        "__doc__": f"Keras 1's name of `{keras2_class.__name__}` (see `kerasish.legacy.interfaces.keras1_name`)."})
    return alias


def separable_conv2d_args_preprocessor(args, kwargs, all_positional=False):
    """Keras 1's one `init` initializes both the depthwise and the pointwise kernel."""
    converted = []
    if "init" in kwargs:
        init = kwargs.pop("init")
        kwargs["depthwise_initializer"] = init
        kwargs["pointwise_initializer"] = init
        converted.append(("init", "depthwise_initializer/pointwise_initializer"))
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs, all_positional)
    return args, kwargs, converted + more


def deconv2d_args_preprocessor(args, kwargs, all_positional=False):
    """Keras 1's `Deconvolution2D` took the `output_shape` (Keras 2 computes it): dropped."""
    converted = []
    if len(args) == 5 and isinstance(args[4], tuple):
        args = args[:-1]
        converted.append(("output_shape", None))
    if "output_shape" in kwargs:
        kwargs.pop("output_shape")
        converted.append(("output_shape", None))
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs, all_positional)
    return args, kwargs, converted + more


def convlstm2d_args_preprocessor(args, kwargs):
    """`forget_bias_init` and `nb_row`/`nb_col`."""
    converted = []
    _forget_bias_init(kwargs, converted)
    args, kwargs, more = conv2d_args_preprocessor(args, kwargs)
    return args, kwargs, converted + more


def batchnorm_args_preprocessor(args, kwargs):
    """Keras 1's `mode=0` is Keras 2's only mode; `mode=1` and `mode=2` are refused."""
    converted = []
    if len(args) > 1:
        raise TypeError("The `BatchNormalization` layer does not accept positional arguments. "
                        "Use keyword arguments instead.")
    if "mode" in kwargs:
        if kwargs.pop("mode") != 0:
            raise TypeError("The `mode` argument of `BatchNormalization` no longer exists. "
                            "`mode=1` and `mode=2` are no longer supported.")
        converted.append(("mode", None))
    return args, kwargs, converted


_PAD_KEYS = {"top_pad", "bottom_pad", "left_pad", "right_pad"}


def _pads(spec):
    return ((spec.get("top_pad", 0), spec.get("bottom_pad", 0)), (spec.get("left_pad", 0), spec.get("right_pad", 0)))


def zeropadding2d_args_preprocessor(args, kwargs):
    """Keras 1's padding dict `{"top_pad": 1, ...}` as `((top, bottom), (left, right))`."""
    if isinstance(kwargs.get("padding"), dict) and set(kwargs["padding"]) <= _PAD_KEYS:
        kwargs["padding"] = _pads(kwargs["padding"])
        warn("The `padding` argument in the Keras 2 API no longeraccepts dict types. You can now input argument "
             "as: `padding=(top_pad, bottom_pad, left_pad, right_pad)`.")
    elif len(args) == 2 and isinstance(args[1], dict) and set(args[1]) <= _PAD_KEYS:
        args = (args[0], _pads(args[1]))
        warn("The `padding` argument in the Keras 2 API no longeraccepts dict types. You can now input argument "
             "as: `padding=((top_pad, bottom_pad), (left_pad, right_pad))`")
    return args, kwargs, []


def generator_methods_args_preprocessor(args, kwargs):
    """`samples_per_epoch` counted samples; `steps_per_epoch` counts batches (divided by the generator's
    `batch_size` where it has one, as Keras 2.3.1 did)."""
    converted = []
    if len(args) < 3 and "samples_per_epoch" in kwargs:
        samples = kwargs.pop("samples_per_epoch")
        generator = args[1] if len(args) > 1 else kwargs.get("generator")
        if hasattr(generator, "batch_size"):
            kwargs["steps_per_epoch"] = samples // generator.batch_size
        else:
            warn("The semantics of the Keras 2 argument  `steps_per_epoch` is not the same as the Keras 1 "
                 "argument `samples_per_epoch`. `steps_per_epoch` is the number of batches to draw from the "
                 "generator at each epoch. Update your method calls accordingly.")
            kwargs["steps_per_epoch"] = samples
        converted.append(("samples_per_epoch", "steps_per_epoch"))
    return args, kwargs, converted


def add_weight_args_preprocessing(args, kwargs):
    """Keras 2.0's `add_weight(shape, initializer, name=...)` order: a leading list/tuple is the shape."""
    if len(args) > 1 and isinstance(args[1], (tuple, list)):
        kwargs["shape"] = args[1]
        args = (args[0],) + tuple(args[2:])
        if len(args) > 1 and isinstance(args[1], str):
            kwargs["name"] = args[1]
            args = (args[0],) + tuple(args[2:])
    return args, kwargs, []


def get_updates_arg_preprocessing(args, kwargs):
    """Keras 1 optimizers' `get_updates(params, constraints, loss)` as Keras 2's `get_updates(loss, params)`."""
    if len(args) > 4:
        raise TypeError("`get_update` call received more arguments than expected.")
    if len(args) == 4:
        optimizer, params, _, loss = args
        kwargs["loss"], kwargs["params"] = loss, params
        return [optimizer], kwargs, []
    if len(args) == 3 and isinstance(args[1], (list, tuple)) and isinstance(args[2], dict) and "loss" in kwargs:
        kwargs["params"] = args[1]
        return [args[0]], kwargs, []
    return args, kwargs, []


# --------------------------------------------------------------------------- Keras 2.3.1's decorators
legacy_dense_support = generate_legacy_interface(conversions=[("output_dim", "units")] + _KERNEL_AND_BIAS)
legacy_dropout_support = generate_legacy_interface(conversions=[("p", "rate")])
legacy_embedding_support = generate_legacy_interface(
    conversions=[("init", "embeddings_initializer"), ("W_regularizer", "embeddings_regularizer"),
                 ("W_constraint", "embeddings_constraint")],
    preprocessor=embedding_kwargs_preprocessor)
legacy_pooling1d_support = generate_legacy_interface(
    conversions=[("pool_length", "pool_size"), ("stride", "strides"), ("border_mode", "padding")])
legacy_prelu_support = generate_legacy_interface(conversions=[("init", "alpha_initializer")])
legacy_gaussiannoise_support = generate_legacy_interface(conversions=[("sigma", "stddev")])
legacy_recurrent_support = generate_legacy_interface(
    conversions=[("output_dim", "units"), ("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
                 ("inner_activation", "recurrent_activation"), ("W_regularizer", "kernel_regularizer"),
                 ("b_regularizer", "bias_regularizer"), ("U_regularizer", "recurrent_regularizer"),
                 ("dropout_W", "dropout"), ("dropout_U", "recurrent_dropout"), ("consume_less", "implementation")],
    value_conversions={"consume_less": {"cpu": 0, "mem": 1, "gpu": 2}},
    preprocessor=recurrent_args_preprocessor)

legacy_gaussiandropout_support = generate_legacy_interface(conversions=[("p", "rate")])
legacy_pooling2d_support = generate_legacy_interface(
    conversions=[("border_mode", "padding"), ("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_pooling3d_support = legacy_pooling2d_support
legacy_global_pooling_support = generate_legacy_interface(
    conversions=[("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_upsampling1d_support = generate_legacy_interface(conversions=[("length", "size")])
legacy_upsampling2d_support = legacy_global_pooling_support
legacy_upsampling3d_support = legacy_global_pooling_support
legacy_conv1d_support = generate_legacy_interface(
    conversions=[("nb_filter", "filters"), ("filter_length", "kernel_size"), ("subsample_length", "strides"),
                 ("border_mode", "padding")] + _KERNEL_AND_BIAS,
    preprocessor=conv1d_args_preprocessor)


def _conv_support(preprocessor):
    return generate_legacy_interface(conversions=_CONV_GEOMETRY + _KERNEL_AND_BIAS, value_conversions=_DIM_ORDERING,
                                     preprocessor=preprocessor)


legacy_conv2d_support = _conv_support(conv2d_args_preprocessor)
legacy_separable_conv2d_support = generate_legacy_interface(
    conversions=_CONV_GEOMETRY + [("b_regularizer", "bias_regularizer"), ("b_constraint", "bias_constraint"),
                                  ("bias", "use_bias")],
    value_conversions=_DIM_ORDERING, preprocessor=separable_conv2d_args_preprocessor)
legacy_deconv2d_support = _conv_support(deconv2d_args_preprocessor)
legacy_conv3d_support = _conv_support(conv3d_args_preprocessor)
legacy_convlstm2d_support = generate_legacy_interface(
    conversions=_CONV_GEOMETRY + [("init", "kernel_initializer"), ("inner_init", "recurrent_initializer"),
                                  ("W_regularizer", "kernel_regularizer"), ("U_regularizer", "recurrent_regularizer"),
                                  ("b_regularizer", "bias_regularizer"), ("inner_activation", "recurrent_activation"),
                                  ("dropout_W", "dropout"), ("dropout_U", "recurrent_dropout"), ("bias", "use_bias")],
    value_conversions=_DIM_ORDERING, preprocessor=convlstm2d_args_preprocessor)
legacy_batchnorm_support = generate_legacy_interface(
    conversions=[("beta_init", "beta_initializer"), ("gamma_init", "gamma_initializer")],
    preprocessor=batchnorm_args_preprocessor)
legacy_zeropadding2d_support = generate_legacy_interface(
    conversions=[("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING,
    preprocessor=zeropadding2d_args_preprocessor)
legacy_zeropadding3d_support = legacy_global_pooling_support
legacy_cropping2d_support = legacy_global_pooling_support
legacy_cropping3d_support = legacy_global_pooling_support
legacy_spatialdropout1d_support = legacy_dropout_support
legacy_spatialdropoutNd_support = generate_legacy_interface(
    conversions=[("p", "rate"), ("dim_ordering", "data_format")], value_conversions=_DIM_ORDERING)
legacy_lambda_support = generate_legacy_interface()

# Model methods and constructors
legacy_generator_methods_support = generate_legacy_method_interface(
    conversions=[("samples_per_epoch", "steps_per_epoch"), ("val_samples", "steps"), ("nb_epoch", "epochs"),
                 ("nb_val_samples", "validation_steps"), ("nb_worker", "workers")],
    preprocessor=generator_methods_args_preprocessor)
legacy_model_constructor_support = generate_legacy_interface(
    conversions=[("input", "inputs"), ("output", "outputs")], object_name="Model")
legacy_input_support = generate_legacy_interface(conversions=[("input_dtype", "dtype")])
legacy_add_weight_support = generate_legacy_interface(preprocessor=add_weight_args_preprocessing)
legacy_get_updates_support = generate_legacy_interface(preprocessor=get_updates_arg_preprocessing)


def legacy_fit_support(func):
    """`fit(nb_epoch=...)`: Keras 2.3.1's `fit` took Keras 1's name for `epochs`, with its own warning."""

    @functools.wraps(func)
    def fit(*args, **kwargs):
        if "nb_epoch" in kwargs:
            warn("The `nb_epoch` argument in `fit` has been renamed `epochs`.")
            kwargs["epochs"] = kwargs.pop("nb_epoch")
        return func(*args, **kwargs)

    fit.__signature__ = inspect.signature(func)
    return fit
