"""Keras 2's module path of the recurrent layers (tf_keras 2.21): `SimpleRNN`, `LSTM`, `GRU`, the generic
`RNN` wrapper, their cells `SimpleRNNCell`, `LSTMCell`, `GRUCell`, and `StackedRNNCells`.

`LSTM`, `GRU` and `SimpleRNN` (and `RNN` around one standard cell) run the whole sequence as one
fused kernel (`kerasish.backend.ops.rnn`) with a hand-written backward pass; any other cell runs
step by step through `K.rnn` with its own `call`. The numbers are Keras's: gate orders i, f, c, o
(LSTM) and z, r, h (GRU), `unit_forget_bias`, `reset_after`, masks (a masked step keeps the state
and repeats the previous output), `go_backwards` (outputs in processing order), dropout masks fixed
across the time steps of a sequence, active only in training.

Weights live on the cell and are named as tf_keras names them: `lstm/lstm_cell/kernel:0`,
`lstm/lstm_cell/recurrent_kernel:0`, `lstm/lstm_cell/bias:0`.

Example:
    >>> import numpy as np
    >>> import kerasish as keras
    >>> x = np.zeros((2, 5, 3), "float32")
    >>> keras.layers.LSTM(4)(x).shape
    (2, 4)
    >>> out, h, c = keras.layers.LSTM(4, return_sequences=True, return_state=True)(x)
    >>> out.shape, h.shape, c.shape
    ((2, 5, 4), (2, 4), (2, 4))

The layers live in `kerasish.layers.rnn`, one family per file; this module names them where Keras 2 did.
"""
from .rnn import (  # noqa: F401
    GRU, LSTM, RNN, AbstractRNNCell, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell, GRUCell, LSTMCell, SimpleRNN,
    SimpleRNNCell, StackedRNNCells, standardize_rnn_args)

__all__ = ["AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN",
           "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
