"""Architectures of the weights-only files of the `.h5` corpus (tools/h5_corpus.py), written for Keras 2.

Each builder takes a Keras module (kerasish or tf_keras) and returns the model whose weights the file holds,
following the repository's own script (noted per builder); a CUSTOM_OBJECTS function returns, likewise, the
custom layers a whole-model file names (its manifest entry's "custom_objects"). Keras 1 scripts are translated to Keras 2 calls
(`Convolution2D(32, 3, 3, dim_ordering="th")` -> `Conv2D(32, (3, 3), data_format="channels_first")`).
A Lambda without weights in the original (input scaling) is written here as plain code, not loaded from
any file.
"""


def cifar10_th_cnn(keras):
    """DevilC/Deep-Learning-CIFAR10 (Keras 1.0.4, Theano ordering): Convnet_with_callbacks.ipynb."""
    L = keras.layers
    cf = {"data_format": "channels_first"}
    return keras.Sequential([
        L.Conv2D(32, (3, 3), input_shape=(3, 32, 32), **cf), L.Activation("relu"),
        L.Conv2D(32, (3, 3), **cf), L.Activation("relu"), L.MaxPooling2D((2, 2), **cf), L.Dropout(0.25),
        L.Conv2D(64, (3, 3), **cf), L.Activation("relu"),
        L.Conv2D(64, (3, 3), **cf), L.Activation("relu"), L.MaxPooling2D((2, 2), **cf), L.Dropout(0.25),
        L.Flatten(), L.Dense(512), L.Activation("relu"), L.Dropout(0.5), L.Dense(10), L.Activation("softmax")])


def jia_mlp_288(keras):
    """JiaMauJian/data-analysis weights.best.hdf5 (Keras 1.1.1): the model config stored in the file."""
    L = keras.layers
    layers = [keras.Input((288,))]
    for units in (384, 256, 128):
        layers += [L.Dense(units), L.Activation("softplus"), L.Dropout(0.1)]
    return keras.Sequential(layers + [L.Dense(1), L.Activation("softplus")])


def jia_titanic_mlp(keras):
    """JiaMauJian/data-analysis titanic/weights.best.hdf5 (Keras 1.1.1): the model config stored in the file."""
    L = keras.layers
    layers = [keras.Input((7,))]
    for units in (400, 300, 200, 100):
        layers += [L.Dense(units, activation="softplus"), L.Dropout(0.3)]
    return keras.Sequential(layers + [L.Dense(2, activation="softmax")])


def nvidia_66x200_elu(keras):
    """kkufieta/CarND-BehavioralCloning (Keras 1.2.0): the model config stored in the file (its Lambda scales the
    image; here x / 127.5 - 1)."""
    L = keras.layers
    convs = [(24, 5, 2), (36, 5, 2), (48, 5, 2), (64, 3, 1), (64, 3, 1)]
    layers = [keras.Input((66, 200, 3)), L.Lambda(lambda x: x / 127.5 - 1.0)]
    layers += [L.Conv2D(f, (k, k), strides=(s, s), activation="relu") for f, k, s in convs]
    layers += [L.Flatten(), L.Dense(100), L.ELU(), L.Dropout(0.3), L.Dense(50), L.ELU(), L.Dense(10), L.ELU(),
               L.Dropout(0.3), L.Dense(1)]
    return keras.Sequential(layers)


def mnist_cnn_simple(keras):
    """HackBinghamtonArchives/CNN-Demo (Keras 2.1): train-cnn.py."""
    L = keras.layers
    return keras.Sequential([L.Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), L.MaxPooling2D((2, 2)),
                             L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10, activation="softmax")])


def _keras_blog_cnn(keras, input_shape, units, activation):
    """The three-convolution network of the Keras blog's "image classification with little data" post."""
    L = keras.layers
    layers = [keras.Input(input_shape)]
    for filters in (32, 32, 64):
        layers += [L.Conv2D(filters, (3, 3)), L.Activation("relu"), L.MaxPooling2D((2, 2))]
    return keras.Sequential(layers + [L.Flatten(), L.Dense(64), L.Activation("relu"), L.Dropout(0.5),
                                      L.Dense(units), L.Activation(activation)])


def notmnist_cnn(keras):
    """michellesklee/notMNIST_autoencoder (Keras 2.2): src/cnn.py, 28x28 grey images."""
    return _keras_blog_cnn(keras, (28, 28, 1), 10, "sigmoid")


def pulsar_cnn_48(keras):
    """vishnubk/ml_tutorial_pulsars (Keras 2.1.5): CNN.py."""
    return _keras_blog_cnn(keras, (48, 48, 1), 1, "sigmoid")


def pulsar_perceptron(keras):
    """vishnubk/ml_tutorial_pulsars (Keras 2.1.5): pulsar_frb_tutorial_2019_machine_learning.ipynb."""
    L = keras.layers
    return keras.Sequential([L.Dense(64, activation="relu", input_dim=64, kernel_initializer="uniform"),
                             L.Dropout(0.3), L.Dense(1, activation="sigmoid", kernel_initializer="uniform")])


def pima_mlp(keras):
    """ebot64/keras-neural-network (tf.keras 2.10): 01_keras.ipynb."""
    L = keras.layers
    return keras.Sequential([L.Dense(12, input_shape=(8,), activation="relu"), L.Dense(8, activation="relu"),
                             L.Dense(1, activation="sigmoid")])


def genre_lstm(keras):
    """Aaronvpp/LSTM-Name-Classification (tf.keras 2.8): lstm_genre_classifier_keras.py (128 frames x 33)."""
    L = keras.layers
    return keras.Sequential([
        L.LSTM(128, dropout=0.05, recurrent_dropout=0.35, return_sequences=True, input_shape=(128, 33)),
        L.LSTM(128, dropout=0.05, recurrent_dropout=0.35, return_sequences=True),
        L.LSTM(32, dropout=0.05, recurrent_dropout=0.35), L.Dense(5, activation="softmax")])


def sign_language_lstm(keras):
    """AvishakeAdhikary/Realtime-Sign-Language-Detection-Using-LSTM-Model (tf.keras 2.9): Train.ipynb."""
    L = keras.layers
    return keras.Sequential([
        L.LSTM(64, return_sequences=True, activation="relu", input_shape=(30, 1662)),
        L.LSTM(128, return_sequences=True, activation="relu"), L.LSTM(64, activation="relu"),
        L.Dense(64, activation="relu"), L.Dense(32, activation="relu"), L.Dense(3, activation="softmax")])


def text_generation_lstm(keras):
    """Koushikj9823/Text-Generation (Keras 2.2.4): Text-Generation.ipynb (windows of 100 characters)."""
    L = keras.layers
    return keras.Sequential([L.LSTM(256, input_shape=(100, 1), return_sequences=True), L.Dropout(0.2),
                             L.LSTM(256), L.Dropout(0.2), L.Dense(43, activation="softmax")])


def mnist_cnn_strided(keras):
    """JasonDu1993/KerasTest (Keras 2.2.0): keras_cnn.py."""
    L = keras.layers
    return keras.Sequential([
        L.Conv2D(32, (3, 3), strides=1, padding="same", input_shape=(28, 28, 1), name="conv1_1"),
        L.Conv2D(60, (3, 3), strides=2, padding="valid", name="conv1_2"), L.Activation("relu"),
        L.MaxPooling2D((2, 2), name="maxpool1"), L.Dropout(0.25), L.Flatten(), L.Dense(128), L.Activation("relu"),
        L.Dropout(0.5), L.Dense(10), L.Activation("softmax")])


def two_input_shared(keras):
    """JasonDu1993/KerasTest (Keras 2.2.0): keras_Model.py, two inputs, a shared Dense, two outputs."""
    L = keras.layers
    inputs = keras.Input((784,))
    x = L.Dense(784, activation="relu")(L.Dense(64, activation="relu")(inputs))
    auxiliary = keras.Input((784,), name="aux_input")
    share = L.Dense(256, activation="relu", name="share")
    concat = L.concatenate([share(x), share(auxiliary)], axis=-1)
    return keras.Model([inputs, auxiliary], [L.Dense(10, activation="softmax")(x),
                                             L.Dense(10, activation="sigmoid")(concat)])


def amp_attention_layer(keras):
    """mayuefine/c_AMPs-prediction (Keras 2.2.4): the custom layer `Attention_layer` of script/Attention.py, as
    custom_objects for load_model. Written here from what that layer computes: u = tanh(x W + b) with W (d, d) and
    b (d,), a = exp(u) normalised over the time axis (sum + epsilon), output sum over time of x * a."""
    K = keras.backend

    class Attention_layer(keras.layers.Layer):  # noqa: N801  (the name the file and a re-save write)
        def build(self, input_shape):
            d = int(input_shape[-1])
            self.W = self.add_weight(name=f"{self.name}_W", shape=(d, d), initializer="glorot_uniform")
            self.b = self.add_weight(name=f"{self.name}_b", shape=(d,), initializer="zeros")
            super().build(input_shape)

        def call(self, x):
            a = K.exp(K.tanh(K.dot(x, self.W) + self.b))
            a = a / (K.sum(a, axis=1, keepdims=True) + K.epsilon())
            return K.sum(x * a, axis=1)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], input_shape[-1])

    return {"Attention_layer": Attention_layer}


CUSTOM_OBJECTS = {f.__name__: f for f in (amp_attention_layer,)}

BUILDERS = {f.__name__: f for f in (cifar10_th_cnn, jia_mlp_288, jia_titanic_mlp, nvidia_66x200_elu, mnist_cnn_simple,
                                    notmnist_cnn, pulsar_cnn_48, pulsar_perceptron, pima_mlp, genre_lstm,
                                    sign_language_lstm, text_generation_lstm, mnist_cnn_strided, two_input_shared)}
