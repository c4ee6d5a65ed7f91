"""K.function, K.gradients and K.placeholder as Keras 2.0 code used them (graph style, no graph mode).

Gradients are checked against central finite differences in float64.
"""
import numpy as np
import pytest

import kerasish as keras
from kerasish import backend as K


@pytest.fixture
def float64():
    K.set_floatx("float64")
    yield
    K.set_floatx("float32")


def _small_convnet():
    K.set_random_seed(1)
    inp = keras.Input(shape=(10, 10, 2))
    x = keras.layers.Conv2D(4, 3, activation="tanh", name="block1_conv1")(inp)
    x = keras.layers.MaxPooling2D(name="block1_pool")(x)
    x = keras.layers.Conv2D(5, 3, activation="tanh", name="block2_conv1")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    out = keras.layers.Dense(3, activation="softmax", name="predictions")(x)
    return keras.Model(inp, out)


def _finite_differences(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[idx] += eps
        down[idx] -= eps
        grad[idx] = (f(up) - f(down)) / (2 * eps)
    return grad


def test_filter_visualization_gradients_match_finite_differences(float64):
    # conv_filter_visualization.py (Keras 2): gradient ascent on the input image
    model = _small_convnet()
    layer_output = model.get_layer("block2_conv1").output
    loss = K.mean(layer_output[:, :, :, 1])
    grads = K.gradients(loss, model.input)[0]
    normalized = grads / (K.sqrt(K.mean(K.square(grads))) + 1e-5)
    iterate = K.function([model.input], [loss, grads, normalized])
    image = np.random.RandomState(0).rand(1, 10, 10, 2)
    loss_value, grads_value, normalized_value = iterate([image])
    only_loss = K.function([model.input], [loss])
    numeric = _finite_differences(lambda a: float(only_loss([a])[0]), image)
    np.testing.assert_allclose(grads_value, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(normalized_value, grads_value / (np.sqrt(np.mean(grads_value ** 2)) + 1e-5))
    for _ in range(5):  # the ascent raises the filter's activation
        step_loss, _, step = iterate([image])
        image = image + step * 0.1
    assert float(only_loss([image])[0]) > loss_value


def test_class_activation_map_gradients_match_finite_differences(float64):
    # Grad-CAM as in Deep Learning with Python (Keras 2): gradients of a class score w.r.t. a conv layer's output
    model = _small_convnet()
    class_output = model.output[:, 2]
    last_conv_layer = model.get_layer("block2_conv1")
    grads = K.gradients(class_output, last_conv_layer.output)[0]
    pooled_grads = K.mean(grads, axis=(0, 1, 2))
    iterate = K.function([model.input], [pooled_grads, last_conv_layer.output[0], grads])
    image = np.random.RandomState(2).rand(1, 10, 10, 2)
    pooled, conv_output, grads_value = iterate([image])
    assert pooled.shape == (5,) and conv_output.shape == (2, 2, 5)
    # the head alone, fed the conv layer's output (K.function feeds any tensor of the graph)
    head = K.function([last_conv_layer.output], [class_output])
    numeric = _finite_differences(lambda a: float(head([a])[0][0]), conv_output[None])
    np.testing.assert_allclose(grads_value, numeric, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(pooled, numeric.mean(axis=(0, 1, 2)), rtol=1e-6, atol=1e-9)
    heatmap = np.maximum(np.mean(conv_output * pooled, axis=-1), 0)
    assert heatmap.shape == (2, 2)


def test_gradients_of_gradients_and_with_respect_to_weights(float64):
    x = K.placeholder(shape=(None, 3))
    y = K.sum(x ** 3)
    (g,) = K.gradients(y, [x])
    (gg,) = K.gradients(K.sum(g), [x])
    data = np.array([[1.0, -2.0, 0.5]])
    g_value, gg_value = K.function([x], [g, gg])([data])
    np.testing.assert_allclose(g_value, 3 * data ** 2)
    np.testing.assert_allclose(gg_value, 6 * data)
    # Keras 2.0 custom training: gradients of a loss with respect to the model's weights
    model = _small_convnet()
    target = K.placeholder(shape=(None, 3))
    loss = K.mean(keras.losses.categorical_crossentropy(target, model.output))
    weight_grads = K.gradients(loss, model.trainable_weights)
    images, labels = np.random.RandomState(3).rand(2, 10, 10, 2), np.eye(3)[[0, 2]]
    values = K.function([model.input, target], weight_grads)([images, labels])
    with K.GradientTape() as tape:
        taped = tape.gradient(K.mean(keras.losses.categorical_crossentropy(labels, model(images))),
                              model.trainable_weights)
    for got, want in zip(values, taped):
        np.testing.assert_allclose(got, want.numpy(), rtol=1e-9, atol=1e-12)


def test_unconnected_gradient_is_none_and_gradient_nodes_run_inside_models():
    a, b = K.placeholder(shape=(None, 2)), K.placeholder(shape=(None, 2))
    assert K.gradients(K.sum(a * a), [a, b])[1] is None
    # an adversarial example (fast gradient sign) as a model output
    model = _small_convnet()
    label = keras.Input(shape=(3,))
    loss = K.mean(keras.losses.categorical_crossentropy(label, model.output))
    adversarial = model.input + 0.1 * K.sign(K.gradients(loss, model.input)[0])
    attack = keras.Model([model.input, label], adversarial)
    images, labels = np.random.RandomState(4).rand(2, 10, 10, 2).astype("float32"), np.eye(3)[[1, 0]]
    out = attack.predict([images, labels], verbose=0)
    step = K.function([model.input, label], [K.gradients(loss, model.input)[0]])([images, labels])[0]
    np.testing.assert_allclose(out, images + 0.1 * np.sign(step), rtol=1e-6)
    # saved as tf.keras would save it (a TFOpLambda of keras.backend.gradients) and rebuilt
    config = attack.get_config()
    assert {"class_name": "TFOpLambda", "function": "keras.backend.gradients"} in [
        {"class_name": l["class_name"], "function": l["config"].get("function")} for l in config["layers"]]
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(attack.get_weights())
    np.testing.assert_array_equal(rebuilt.predict([images, labels], verbose=0), out)
    with pytest.raises(RuntimeError, match="K.gradients node"):  # computed by the graph, not on its own
        K.gradients(loss, model.input)[0]._keras_history[0].call(np.ones(()), variables=[np.ones(())])


def test_function_with_placeholders_updates_and_learning_phase():
    x = K.placeholder(shape=(None, 3))
    total = K.variable(np.zeros(3))
    steps = K.variable(0.0)
    f = K.function([x], [K.sum(x, axis=0)],
                   updates=[K.update_add(total, K.sum(x, axis=0)), (steps, K.sum(x) * 0.0 + 1.0)])
    for i in range(3):
        (s,) = f([np.full((2, 3), i + 1.0)])
        np.testing.assert_array_equal(s, [2.0 * (i + 1)] * 3)
    np.testing.assert_array_equal(K.get_value(total), [12.0, 12.0, 12.0])
    assert float(K.get_value(steps)) == 1.0
    # K.learning_phase() as an input: 0 runs Dropout as in inference, 1 as in training
    inp = keras.Input(shape=(100,))
    out = keras.layers.Dropout(0.5)(keras.layers.Dense(100, kernel_initializer="identity", use_bias=False)(inp))
    get = K.function([inp, K.learning_phase()], [out])
    ones = np.ones((4, 100), "float32")
    np.testing.assert_array_equal(get([ones, 0])[0], ones)
    trained = get([ones, 1])[0]
    assert set(np.unique(trained)) == {0.0, 2.0}


def test_function_errors_name_the_problem():
    x, other = K.placeholder(shape=(None, 2)), K.placeholder(shape=(None, 2), name="other")
    with pytest.raises(ValueError, match="depend on the input 'other'"):
        K.function([x], [x + other])
    with pytest.raises(TypeError, match="input 1 must be a Keras tensor"):
        K.function([x, "nope"], [x])
    counter = K.variable(0.0)
    with pytest.raises(TypeError, match="was applied at once"):  # Keras 2.0 style with no graph behind it
        K.function([x], [x], updates=[K.update_add(counter, 1.0)])
    with pytest.raises(RuntimeError, match="Use GradientTape instead"):
        K.gradients(K.constant(1.0), [K.variable([1.0])])


def test_function_runs_a_planned_graph_repeatedly():
    model = _small_convnet()
    f = K.function([model.input], [model.output])
    images = np.random.RandomState(5).rand(3, 10, 10, 2).astype("float32")
    first = f([images])[0]
    np.testing.assert_allclose(first, model.predict(images, verbose=0), rtol=1e-6)
    assert len(f.nodes) == 5  # planned once: the five layer calls
    np.testing.assert_array_equal(f([images])[0], first)


def test_gradient_penalty_in_a_model_trains_with_exact_second_derivatives(float64):
    # WGAN-GP's penalty written as Keras 2 graph code: a K.gradients node inside a model under fit's tape
    inp = keras.Input(shape=(3,))
    out = keras.layers.Dense(1)(keras.layers.Dense(4, activation="tanh")(inp))
    input_grads = K.gradients(K.sum(out), inp)[0]
    penalty = K.mean(K.square(K.sqrt(K.sum(K.square(input_grads), axis=1)) - 1.0))
    model = keras.Model(inp, penalty)
    kernel = model.layers[1].kernel
    x = np.random.RandomState(0).rand(5, 3)
    with K.GradientTape() as tape:
        value = model(x)
    taped = tape.gradient(value, kernel).numpy()
    evaluate = K.function([inp], [penalty])

    def penalty_at(k):
        saved = kernel.numpy().copy()
        kernel.assign(k)
        try:
            return float(evaluate([x])[0])
        finally:
            kernel.assign(saved)

    np.testing.assert_allclose(taped, _finite_differences(penalty_at, kernel.numpy().copy()), rtol=1e-6, atol=1e-9)


def _unpooling_model(mask_fn):
    """Keras 2.3's mnist_swwae.py pattern: a Lambda computes where each max pooling window's maximum was,
    and the decoder puts the pooled values back there."""
    K.set_random_seed(3)
    inp = keras.Input(shape=(4, 6, 2))
    pre = keras.layers.Conv2D(3, 3, padding="same")(inp)
    post = keras.layers.MaxPooling2D(2)(pre)
    where = keras.layers.Lambda(mask_fn, output_shape=lambda shapes: shapes[0])([pre, post])
    up = keras.layers.UpSampling2D(2)(post)
    out = keras.layers.Conv2D(1, 1)(keras.layers.multiply([up, where]))
    return keras.Model(inp, out), keras.Model(inp, pre)


def _getwhere(x):
    y_prepool, y_postpool = x
    return K.gradients(K.sum(y_postpool), y_prepool)


def test_k_gradients_inside_a_lambda_differentiates_its_inputs_at_run_time():
    """Keras 2 (graph mode) let a Lambda's function take K.gradients of its inputs; the eager call now gets
    them from the run's tape: the same unpooling masks in predict, evaluate and fit."""
    model, encoder = _unpooling_model(_getwhere)
    x = np.random.RandomState(0).rand(3, 4, 6, 2).astype("float32")
    conv_out = encoder.predict(x, verbose=0)
    mask = np.zeros_like(conv_out)  # 1 at each 2x2 window's maximum
    for n, i, j, c in np.ndindex(3, 2, 3, 3):
        k = np.argmax(conv_out[n, 2 * i:2 * i + 2, 2 * j:2 * j + 2, c])
        mask[n, 2 * i + k // 2, 2 * j + k % 2, c] = 1.0
    head = model.layers[-1]
    unpooled = conv_out.reshape(3, 2, 2, 3, 2, 3).max(axis=(2, 4)).repeat(2, axis=1).repeat(2, axis=2) * mask
    expected = unpooled @ head.kernel.numpy()[0, 0] + head.bias.numpy()
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)

    # training: the same gradients as the mask written without K.gradients (the mask is piecewise constant)
    def explicit_mask(x):
        y_prepool, y_postpool = x
        return K.cast(K.equal(y_prepool, K.repeat_elements(K.repeat_elements(y_postpool, 2, 1), 2, 2)), "float32")

    other, _ = _unpooling_model(explicit_mask)
    other.set_weights(model.get_weights())
    y = np.random.RandomState(1).rand(3, 4, 6, 1).astype("float32")
    for m in (model, other):
        m.compile(keras.optimizers.SGD(0.1), "mse")
    losses = [m.fit(x, y, epochs=2, batch_size=3, verbose=0, shuffle=False).history["loss"] for m in (model, other)]
    np.testing.assert_allclose(losses[0], losses[1], rtol=1e-6)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_lambda_gradient_detection_follows_the_functions_it_calls():
    from kerasish.layers.core import _mentions_name
    assert _mentions_name(_getwhere, "gradients")
    assert _mentions_name(lambda x: _getwhere(x), "gradients")
    assert not _mentions_name(lambda x: x * 2, "gradients")


def test_k_gradients_inside_a_lambda_without_output_shape_in_a_sequential():
    """The Lambda's output shape comes from a dry run of its function, which takes K.gradients too."""
    double = keras.layers.Lambda(lambda x: K.gradients(K.sum(K.square(x)), x)[0])
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3), double])
    assert model.output_shape == (None, 3)
    x = np.random.RandomState(0).rand(4, 3).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), 2 * model.layers[0](x).numpy(), rtol=1e-6)
