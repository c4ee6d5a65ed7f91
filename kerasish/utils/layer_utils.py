"""`model.summary()` in tf.keras 2.x's layout, parameter counting, and Keras 2's layer helpers
(`get_source_inputs`, kernel conversions between Theano and TensorFlow layouts).

Example:
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,), name="d")], name="tiny")
    >>> lines = []
    >>> model.summary(print_fn=lines.append)
    >>> lines[0], lines[-3]
    ('Model: "tiny"', 'Trainable params: 8 (32.00 Byte)')
"""
import numpy as np

from .conv_utils import convert_kernel  # noqa: F401  (Keras 2 imported it here)


def count_params(weights):
    """Number of scalars in a list of weights (each counted once)."""
    seen = set()
    total = 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(np.prod(w.shape))
    return total


def _memory(weights):
    seen = set()
    total = 0
    for w in weights:
        if id(w) not in seen:
            seen.add(id(w))
            total += int(np.prod(w.shape)) * np.dtype(w.dtype).itemsize
    return total


def readable_memory_size(size):
    """'268.00 Byte', '1.50 KB', ... as Keras prints it."""
    for unit in ["Byte", "KB", "MB", "GB", "TB", "PB"]:
        if size / 1024 < 1:
            return f"{size:.2f} {unit}"
        size /= 1024
    return f"{size:.2f} PB"


def _is_sequential_like(model):
    if type(model).__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
        return True
    nodes = []
    for depth_nodes in model._nodes_by_depth.values():
        if len(depth_nodes) > 1 or (len(depth_nodes) == 1 and len(depth_nodes[0].keras_inputs) > 1):
            return False
        nodes += depth_nodes
    node_ids = {id(n) for n in nodes}
    for layer in model.layers:
        if sum(1 for n in layer._inbound_nodes if id(n) in node_ids) > 1:
            return False
    return True


def _own_nodes(layer) -> int:
    """1 when `layer` is a model whose node 0 links its own inputs to its outputs (Keras 2.2's layout, which
    kerasish keeps for configs), else 0: tf_keras's summary numbers only the nodes of calls, so a nested
    model's first call is `[0]` there."""
    nodes = getattr(layer, "_inbound_nodes", None)
    if not nodes or not getattr(layer, "_is_graph_network", False):
        return 0
    own_outputs = getattr(layer, "outputs", None) or []
    first = nodes[0].outputs
    first = list(first) if isinstance(first, (list, tuple)) else [first]
    return int(len(first) == len(own_outputs) and all(a is b for a, b in zip(first, own_outputs)))


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False,
                  show_trainable=False):
    """Print the summary table of `model` (see `Model.summary`)."""
    print_fn = print_fn or print
    sequential_like = _is_sequential_like(model)
    if sequential_like:
        line_length = line_length or 65
        positions = positions or [0.45, 0.85, 1.0]
        header = ["Layer (type)", "Output Shape", "Param #"]
        relevant = None
    else:
        line_length = line_length or 98
        positions = positions or [0.3, 0.6, 0.7, 1.0]  # tf_keras 2.x (Keras 2.3.1: .33, .55, .67)
        header = ["Layer (type)", "Output Shape", "Param #", "Connected to"]
        relevant = {id(n) for nodes in model._nodes_by_depth.values() for n in nodes}
    positions = [int(line_length * p) for p in positions] if positions[-1] <= 1 else list(positions)
    if show_trainable:
        line_length += 11
        positions.append(line_length)
        header.append("Trainable")

    def print_row(fields, nested_level=0):
        left = [str(f) for f in fields]
        while any(left):
            line = ""
            for col in range(len(left)):
                start = positions[col - 1] if col > 0 else 0
                end = positions[col]
                space = 2 if col != len(positions) - 1 else 0
                cutoff = end - start - space
                if col != len(positions) - 1:
                    cutoff -= 1
                if col == 0:
                    cutoff -= nested_level
                fit = left[col][:cutoff]
                breaks = [fit.find(x) + len(x) for x in ("),", "},", "],", "',") if fit.find(x) >= 0]
                if breaks:
                    cutoff = min(breaks)
                    fit = fit[:cutoff]
                if col == 0:
                    line += "|" * nested_level + " "
                line += fit + (" " * space if space else "")
                left[col] = left[col][cutoff:]
                # only the last column makes room for the closing bars of a nested row (tf_keras's rule)
                last = col == len(positions) - 1
                line += " " * (positions[col] - len(line) - (nested_level if last else 0))
            line += "|" * nested_level
            print_fn(line)

    def shape_of(layer):
        try:
            return layer.output_shape
        except (AttributeError, ValueError):
            return "multiple"

    def params_of(layer):
        if not layer.built and not getattr(layer, "_is_graph_network", False):
            return "0 (unused)"
        return count_params(layer.weights)

    def print_layer(layer, nested_level=0, is_nested_last=False):
        fields = [f"{layer.name} ({type(layer).__name__})", shape_of(layer), params_of(layer)]
        if not sequential_like:
            connections = []
            for node in layer._inbound_nodes:
                if relevant is not None and id(node) not in relevant:
                    continue
                for inbound_layer, node_index, tensor_index, _ in node.iterate_inbound():
                    node_index -= _own_nodes(inbound_layer)
                    connections.append(f"{inbound_layer.name}[{node_index}][{tensor_index}]")
            fields.append(connections if connections else "[]")
        if show_trainable:
            fields.append("Y" if layer.trainable else "N")
        print_row(fields, nested_level)
        if expand_nested and hasattr(layer, "layers") and layer.layers:
            print_fn("|" * (nested_level + 1) + "¯" * (line_length - 2 * nested_level - 2) + "|" * (nested_level + 1))
            inner = layer.layers
            for i, sub in enumerate(inner):
                print_layer(sub, nested_level + 1, i == len(inner) - 1)
            print_fn("|" * nested_level + "¯" * (line_length - 2 * nested_level) + "|" * nested_level)
            is_nested_last = True  # tf_keras prints no blank row after an expanded model's closing line
        if not is_nested_last:
            print_fn("|" * nested_level + " " * (line_length - 2 * nested_level) + "|" * nested_level)

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * line_length)
    if len(positions) < len(header):  # where tf_keras fails with an IndexError from inside print_row
        raise ValueError(f"summary: `positions` gives {len(positions)} column ends but this model's table has "
                         f"{len(header)} columns ({', '.join(header)}); received positions={positions}")
    print_row(header)
    print_fn("=" * line_length)
    for layer in model.layers:
        print_layer(layer)
    print_fn("=" * line_length)
    trainable = model.trainable_weights
    non_trainable = model.non_trainable_weights
    t_count, n_count = count_params(trainable), count_params(non_trainable)
    t_mem, n_mem = _memory(trainable), _memory(non_trainable)
    print_fn(f"Total params: {t_count + n_count} ({readable_memory_size(t_mem + n_mem)})")
    print_fn(f"Trainable params: {t_count} ({readable_memory_size(t_mem)})")
    print_fn(f"Non-trainable params: {n_count} ({readable_memory_size(n_mem)})")
    print_fn("_" * line_length)


def get_source_inputs(tensor, layer=None, node_index=None) -> list:
    """The `Input` tensors a symbolic tensor was computed from (in first-reached order, no duplicates).

    Args:
        tensor: a symbolic (Keras) tensor.
        layer, node_index: start from this layer's node instead of the tensor's own history.
    """
    if not hasattr(tensor, "_keras_history"):
        raise ValueError(f"get_source_inputs: expected a symbolic Keras tensor (from `Input` or a layer call on "
                         f"one); received an object of type {type(tensor).__name__}")
    if layer is None or node_index is None:
        layer, node_index, _ = tensor._keras_history
    node = layer._inbound_nodes[node_index]
    if getattr(node, "is_input", False) or not node.keras_inputs:
        return [tensor]
    sources = []
    for t in node.keras_inputs:
        for source in get_source_inputs(t):
            if not any(source is s for s in sources):
                sources.append(source)
    return sources


_CONVOLUTIONS_TO_FLIP = ("Conv1D", "Conv2D", "Conv3D", "Conv2DTranspose")  # Keras 2's list (separable ones: TF only)


def convert_all_kernels_in_model(model) -> None:
    """Flip the spatial axes of every convolution kernel of `model` (Theano <-> TensorFlow weights).

    Example:
        >>> import kerasish as keras
        >>> conv = keras.layers.Conv1D(1, 3, use_bias=False, input_shape=(5, 1))
        >>> model = keras.Sequential([conv])
        >>> conv.set_weights([np.arange(3.0).reshape(3, 1, 1)])
        >>> convert_all_kernels_in_model(model)
        >>> conv.get_weights()[0].ravel().tolist()
        [2.0, 1.0, 0.0]
    """
    for layer in model.layers:
        if type(layer).__name__ in _CONVOLUTIONS_TO_FLIP:
            layer.kernel.assign(convert_kernel(layer.kernel.numpy()))


def convert_dense_weights_data_format(dense, previous_feature_map_shape, target_data_format="channels_first"):
    """Reorder the kernel rows of a Dense layer that follows a Flatten, for a model moved to `target_data_format`.

    Args:
        dense: the Dense layer (its kernel has one row per flattened feature).
        previous_feature_map_shape: the feature map's shape before Flatten, without the batch axis,
            in the `target_data_format` layout ((c, h, w) for channels_first).
        target_data_format: 'channels_first' or 'channels_last'.

    Example:
        >>> import kerasish as keras
        >>> dense = keras.layers.Dense(1, use_bias=False)
        >>> dense.build((None, 4))
        >>> dense.set_weights([np.arange(4.0).reshape(4, 1)])  # a (1, 2, 2) channels-last map: (h, w, c)
        >>> convert_dense_weights_data_format(dense, (2, 1, 2), "channels_first")
        >>> dense.get_weights()[0].ravel().tolist()
        [0.0, 2.0, 1.0, 3.0]
    """
    if target_data_format not in ("channels_last", "channels_first"):
        raise ValueError("convert_dense_weights_data_format: target_data_format must be 'channels_last' or "
                         f"'channels_first'; received {target_data_format!r}")
    weights = dense.get_weights()
    kernel = weights[0]
    if target_data_format == "channels_first":
        c, h, w = previous_feature_map_shape
        source_shape, axes = (h, w, c), (2, 0, 1)
    else:
        h, w, c = previous_feature_map_shape
        source_shape, axes = (c, h, w), (1, 2, 0)
    units = kernel.shape[1]
    reordered = kernel.reshape(source_shape + (units,)).transpose(axes + (3,)).reshape(kernel.shape)
    dense.set_weights([reordered] + weights[1:])
