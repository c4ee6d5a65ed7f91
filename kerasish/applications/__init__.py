"""Keras applications: ImageNet architectures with tf.keras's names, arguments and pretrained weight files.

Each constructor builds a functional model with the layer names, order and weight shapes of
`tf.keras.applications`, so the standard `.h5` weight files load by topology. `weights="imagenet"`
downloads the file tf.keras uses (same URL, same hash) once into `~/.keras/models/`; files already
there are used offline. Each family module has its `preprocess_input` and `decode_predictions`.

Example:
    >>> import kerasish as keras
    >>> keras.applications.MobileNetV2(weights=None, input_shape=(32, 32, 3), alpha=0.35, classes=5).output_shape
    (None, 5)
    >>> keras.backend.clear_session()  # automatic layer names start again from "conv2d"
"""
from . import (densenet, efficientnet, efficientnet_v2, imagenet_utils, inception_resnet_v2, inception_v3,  # noqa
               mobilenet, mobilenet_v2, mobilenet_v3, nasnet, resnet, resnet50, resnet_v2, vgg16, vgg19, xception)
from .densenet import DenseNet121, DenseNet169, DenseNet201  # noqa: F401
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,  # noqa: F401
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .efficientnet_v2 import (EfficientNetV2B0, EfficientNetV2B1, EfficientNetV2B2, EfficientNetV2B3,  # noqa: F401
                              EfficientNetV2L, EfficientNetV2M, EfficientNetV2S)
from .inception_resnet_v2 import InceptionResNetV2  # noqa: F401
from .inception_v3 import InceptionV3  # noqa: F401
from .mobilenet import MobileNet  # noqa: F401
from .mobilenet_v2 import MobileNetV2  # noqa: F401
from .mobilenet_v3 import MobileNetV3Large, MobileNetV3Small  # noqa: F401
from .nasnet import NASNetLarge, NASNetMobile  # noqa: F401
from .resnet import ResNet50, ResNet101, ResNet152  # noqa: F401
from .resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2  # noqa: F401
from .vgg16 import VGG16  # noqa: F401
from .vgg19 import VGG19  # noqa: F401
from .xception import Xception  # noqa: F401
