"""Keras layers. Every built-in layer registers itself, so configs resolve it by class name."""
from ..utils.serialization import deserialize_keras_object, serialize_keras_object
from .layer import InputSpec, Layer  # noqa: F401
from .input_layer import Input, InputLayer, KerasTensor  # noqa: F401
from .core import (  # noqa: F401
    Activation, ActivityRegularization, Dense, Dropout, Flatten, Identity, Lambda, Masking, Permute, RepeatVector,
    Reshape)
from .merge import (  # noqa: F401
    Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add, average, concatenate, dot, maximum,
    minimum, multiply, subtract)
from .activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax, ThresholdedReLU  # noqa: F401
# op layers: also makes ops on Keras tensors graph nodes (registers the dispatch handler)
from .op_layers import AddLoss, AddMetric, SlicingOpLambda, TFOpLambda  # noqa: F401

from .convolutional import (  # noqa: F401
    Conv1D, Conv2D, Conv3D, Conv1DTranspose, Conv2DTranspose, Conv3DTranspose, SeparableConv1D, SeparableConv2D,
    DepthwiseConv1D, DepthwiseConv2D, Convolution1D, Convolution2D, Convolution3D, Convolution1DTranspose,
    Convolution2DTranspose, Convolution3DTranspose, SeparableConvolution1D, SeparableConvolution2D, Deconvolution2D,
    Deconvolution3D, AtrousConvolution1D, AtrousConvolution2D, AtrousConv1D, AtrousConv2D)
from .pooling import (  # noqa: F401
    MaxPooling1D, MaxPooling2D, MaxPooling3D, AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalMaxPooling1D,
    GlobalMaxPooling2D, GlobalMaxPooling3D, GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
    MaxPool1D, MaxPool2D, MaxPool3D, AvgPool1D, AvgPool2D, AvgPool3D, GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D,
    GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D)
from .normalization import BatchNormalization, LayerNormalization, GroupNormalization, UnitNormalization  # noqa: F401
from .rnn import (  # noqa: F401
    AbstractRNNCell, SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, RNN, SimpleRNN, LSTM, GRU, ConvLSTM1D,
    ConvLSTM2D, ConvLSTM3D)
from .embedding import Embedding  # noqa: F401
from .attention import Attention, AdditiveAttention, MultiHeadAttention, EinsumDense  # noqa: F401
from .wrappers import Wrapper, Bidirectional, TimeDistributed  # noqa: F401
from .reshaping import (  # noqa: F401
    UpSampling1D, UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, Cropping1D, Cropping2D,
    Cropping3D)
from .regularization import (  # noqa: F401
    SpatialDropout1D, SpatialDropout2D, SpatialDropout3D, GaussianNoise, GaussianDropout, AlphaDropout)
from .preprocessing import Rescaling, Normalization, Resizing, CenterCrop  # noqa: F401
from .category_encoding import CategoryEncoding  # noqa: F401
from .hashing import Hashing  # noqa: F401
from .lookup import StringLookup, IntegerLookup  # noqa: F401
from .discretization import Discretization  # noqa: F401
from .text_vectorization import TextVectorization  # noqa: F401
from .image_augmentation import (  # noqa: F401
    RandomFlip, RandomRotation, RandomZoom, RandomTranslation, RandomContrast, RandomCrop, RandomHeight, RandomWidth,
    RandomBrightness)
from .local import LocallyConnected1D, LocallyConnected2D  # noqa: F401
from .cudnn_recurrent import CuDNNLSTM, CuDNNGRU  # noqa: F401

from . import experimental  # noqa: F401  (keras.layers.experimental.preprocessing paths)


def serialize(layer):
    """`{"class_name", "config", ...}` for a layer (Keras 2 format)."""
    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """Create a layer (or model) from `serialize()` output.

    Models are found by name in the registry too: `kerasish.models` registers Functional, Sequential and
    Model when it loads, and `import kerasish` (which runs before any `kerasish.layers` import) loads it.
    """
    return deserialize_keras_object(config, "layer", custom_objects=custom_objects, printable_module_name="layer")
