"""`pad_sequences`: a list of sequences padded (or cut) to one length (Keras 3 keeps it here; Keras 2's
`keras.preprocessing.sequence` re-exports it).

Example:
    >>> from kerasish.utils.sequence_utils import pad_sequences
    >>> pad_sequences([[1, 2, 3], [4, 5]], maxlen=2).tolist()
    [[2, 3], [4, 5]]
"""
from typing import Optional

import numpy as np


def _check_choice(arg: str, value, choices) -> None:
    if not isinstance(value, str) or value not in choices:
        wanted = " or ".join(f'"{c}"' for c in choices)
        kind = arg.capitalize()
        raise ValueError(f'{kind} type "{value}" not understood: `{arg}` must be {wanted}; '
                         f"received {arg}={value!r}.")


def _is_string_dtype(dtype) -> bool:
    try:
        return np.issubdtype(np.dtype(dtype), np.str_)
    except TypeError:
        return False


def pad_sequences(sequences, maxlen: Optional[int] = None, dtype="int32", padding: str = "pre",
                  truncating: str = "pre", value=0.0) -> np.ndarray:
    """Pad (or cut) a list of sequences to one length, giving a 2D numpy array `(num_samples, maxlen)`.

    Sequences shorter than `maxlen` are filled with `value` (at the start with `padding="pre"`, the
    Keras default, or at the end with `"post"`); longer ones lose values from the start
    (`truncating="pre"`) or the end (`"post"`). Items may themselves be arrays: the result is then
    `(num_samples, maxlen) + item_shape`.

    Args:
        sequences: a list of sequences (lists or arrays; each item a number or an array).
        maxlen: the length of every output row; by default the longest sequence's length.
        dtype: the output's dtype (default "int32"). Use `dtype=object` or a string dtype for text.
        padding: "pre" or "post": where to add `value`.
        truncating: "pre" or "post": where to cut sequences longer than `maxlen`.
        value: the padding value (a number, or a string with a string/object dtype).

    Returns:
        A numpy array of shape `(len(sequences), maxlen)` (plus the item shape).

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2, truncating="post").tolist()
        [[1, 2], [0, 4]]
        >>> pad_sequences([["a", "b"], ["c"]], dtype=object, value="").tolist()
        [['a', 'b'], ['', 'c']]
    """
    if not hasattr(sequences, "__len__"):
        raise ValueError(f"`sequences` must be iterable (a list of sequences); received an object of type "
                         f"{type(sequences).__name__}.")
    _check_choice("padding", padding, ("pre", "post"))
    _check_choice("truncating", truncating, ("pre", "post"))
    if maxlen is not None and (isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer))
                               or maxlen < 0):
        raise ValueError(f"`maxlen` must be None or a non-negative integer; received maxlen={maxlen!r}.")

    lengths = []
    sample_shape = ()
    found_shape = False
    for position, seq in enumerate(sequences):
        try:
            lengths.append(len(seq))
        except TypeError:
            raise ValueError(f"`sequences` must be a list of iterables. Found non-iterable: {seq!r} "
                             f"at position {position}.") from None
        # The item shape comes from the first non-empty sequence; every other must agree.
        if not found_shape and len(seq):
            sample_shape = np.asarray(seq).shape[1:]
            found_shape = True

    if maxlen is None:
        maxlen = max(lengths) if lengths else 0

    if isinstance(value, str) and dtype != object and not _is_string_dtype(dtype):
        raise ValueError(f"`dtype` {dtype} is not compatible with `value`'s type: {type(value)}\n"
                         "You should set `dtype=object` for variable length strings.")

    out = np.full((len(sequences), maxlen) + sample_shape, value, dtype=dtype)
    if maxlen == 0:
        return out
    for position, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != sample_shape:
            raise ValueError(f"Shape of sample {kept.shape[1:]} of sequence at position {position} is different "
                             f"from expected shape {sample_shape}")
        if padding == "post":
            out[position, :len(kept)] = kept
        else:
            out[position, -len(kept):] = kept
    return out
