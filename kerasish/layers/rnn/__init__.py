"""The recurrent layers, one family per file: the generic `RNN` and its cells' base (base_rnn), `SimpleRNN`,
`LSTM`, `GRU`, the convolutional LSTMs, and what they share (rnn_utils). `kerasish.layers.recurrent` is
Keras 2's module path for the same names.
"""
from .base_rnn import RNN, AbstractRNNCell, StackedRNNCells  # noqa: F401
from .simple_rnn import SimpleRNN, SimpleRNNCell  # noqa: F401
from .lstm import LSTM, LSTMCell  # noqa: F401
from .gru import GRU, GRUCell  # noqa: F401
from .conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, ConvLSTMCell  # noqa: F401
from .rnn_utils import standardize_rnn_args  # noqa: F401

__all__ = ["AbstractRNNCell", "SimpleRNNCell", "LSTMCell", "GRUCell", "StackedRNNCells", "RNN", "SimpleRNN",
           "LSTM", "GRU", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D"]
