"""Record tf_keras's preprocessing layers on fixed inputs, for tests/layers/test_preprocessing_tf_keras.py.

Run with a Python that has tf_keras (Keras 2), from the repository root:

    /tmp/tfenv/bin/python tools/preprocessing_reference.py

Each case builds a layer from keyword arguments (JSON), optionally adapts it on fixed data, calls it on
fixed inputs and records the output, the vocabulary (or bin boundaries) and the config. Image cases
record TensorFlow's ImageProjectiveTransformV3 (tf_keras's `transform`) for given transforms and fill
modes, tf_keras's rotation/zoom/translation matrices for given draws, `tf.image.adjust_contrast`,
and the layers' inference outputs. A small model with preprocessing layers is saved to .h5 by
tf_keras (tests/fixtures/preprocessing_tf_keras_model.h5) with its predictions. Everything goes to
tests/fixtures/preprocessing_tf_keras.npz (arrays) and .json (cases, configs, vocabularies).
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(__file__)
FIXTURES = os.path.join(HERE, "..", "tests", "fixtures")
CORPUS = ["The quick brown fox.", "the LAZY dog, the end!", "Ünïcode ÉCOLE straße café", "tabs\tand\nnew lines",
          "no\u00a0break\u3000space  double", "It's 3:45 -- e-mail me@host.com (ok?)", "", "fox fox dog"]
QUERIES = ["the fox ate THE dog", "unknown words here", "café ÉCOLE école", "", "dog-fox  fox.dog"]

TEXT_CASES = {
    "tv_int": ({"max_tokens": 15}, True, QUERIES),
    "tv_int_len": ({"max_tokens": 12, "output_sequence_length": 4}, True, QUERIES),
    "tv_multi_hot": ({"output_mode": "multi_hot"}, True, QUERIES),
    "tv_count_pad": ({"output_mode": "count", "max_tokens": 20, "pad_to_max_tokens": True}, True, QUERIES),
    "tv_tf_idf": ({"output_mode": "tf_idf"}, True, QUERIES),
    "tv_bigrams": ({"ngrams": 2, "output_sequence_length": 10}, True, QUERIES),
    "tv_ngrams_13": ({"ngrams": [1, 3], "output_mode": "count"}, True, QUERIES),
    "tv_character": ({"split": "character", "standardize": "lower", "output_sequence_length": 12}, True, QUERIES),
    "tv_no_standardize": ({"standardize": None, "output_sequence_length": 6}, True, QUERIES),
    "tv_strip_only": ({"standardize": "strip_punctuation", "output_sequence_length": 6}, True, QUERIES),
    "tv_no_split": ({"split": None, "output_mode": "int"}, True, [[q] for q in QUERIES + CORPUS[:2]]),
    "tv_vocabulary": ({"vocabulary": ["fox", "dog", "the"], "output_sequence_length": 5}, False, QUERIES),
    "tv_tf_idf_vocabulary": ({"vocabulary": ["fox", "dog"], "idf_weights": [0.5, 2.0], "output_mode": "tf_idf"},
                             False, QUERIES),
}
TOKENS = np.array([["b", "a", "c"], ["a", "d", "b"], ["e", "b", "a"], ["c", "c", "f"], ["g", "", "a"]])
TOKEN_QUERIES = np.array([["a", "z", "b"], ["", "c", "y"], ["f", "g", "x"]])
STRING_LOOKUP_CASES = {
    "sl_adapt": ({}, TOKENS, TOKEN_QUERIES),
    "sl_max_tokens": ({"max_tokens": 4}, TOKENS, TOKEN_QUERIES),
    "sl_oov3": ({"num_oov_indices": 3}, TOKENS, TOKEN_QUERIES),
    "sl_mask": ({"mask_token": ""}, TOKENS, TOKEN_QUERIES),
    "sl_one_hot": ({"output_mode": "one_hot"}, TOKENS, np.array(["a", "z", "c"])),
    "sl_multi_hot": ({"output_mode": "multi_hot", "mask_token": ""}, TOKENS, TOKEN_QUERIES),
    "sl_count": ({"output_mode": "count", "num_oov_indices": 2}, TOKENS, TOKEN_QUERIES),
    # tf_keras's tf_idf adapt fails on dense rows with a repeated token (its map_fn over tf.unique): distinct rows
    "sl_tf_idf": ({"output_mode": "tf_idf"}, np.array([["b", "a", "c"], ["a", "d", "b"], ["e", "b", "a"]]),
                  TOKEN_QUERIES),
    "sl_vocabulary": ({"vocabulary": ["[UNK]", "x", "y"]}, None, np.array([["x", "q", "y"]])),
    "sl_invert": ({"vocabulary": ["x", "y", "z"], "invert": True, "mask_token": "M"}, None,
                  np.array([[0, 1, 2, 3, 4]])),
    "sl_no_oov": ({"vocabulary": ["x", "y"], "num_oov_indices": 0}, None, np.array([["y", "x"]])),
}
INTS = np.array([[3, 1, 4], [1, 5, 9], [2, 6, 5], [3, 5, 8], [9, 7, 9], [0, -2, 1]])
INT_QUERIES = np.array([[1, 42, 9], [0, -7, 5], [6, 13, 2]])
INTEGER_LOOKUP_CASES = {
    "il_adapt": ({}, INTS, INT_QUERIES),
    "il_oov2_mask": ({"num_oov_indices": 2, "mask_token": 0}, INTS, INT_QUERIES),
    "il_max_tokens_multi_hot": ({"max_tokens": 5, "output_mode": "multi_hot"}, INTS, INT_QUERIES),
    "il_invert": ({"vocabulary": [12, 36, 1138], "invert": True}, None, np.array([[1, 3, 0, 2]])),
}
HASH_STRINGS = np.array([["A"], ["B"], ["C"], ["D"], ["E"], [""], ["café"], ["a much longer string " * 4]])
HASH_INTS = np.array([[0], [1], [-5], [123456789], [2 ** 40]])
HASHING_CASES = {
    "hash_3": ({"num_bins": 3}, HASH_STRINGS),
    "hash_mask": ({"num_bins": 4, "mask_value": ""}, HASH_STRINGS),
    "hash_salt_int": ({"num_bins": 7, "salt": 133}, HASH_STRINGS),
    "hash_salt_pair": ({"num_bins": 1000, "salt": [11, 7]}, HASH_STRINGS),
    "hash_ints": ({"num_bins": 10}, HASH_INTS),
    "hash_ints_mask": ({"num_bins": 5, "mask_value": 0}, HASH_INTS),
    "hash_multi_hot": ({"num_bins": 6, "output_mode": "multi_hot"}, np.array([["a", "b", "c"], ["d", "e", "a"]])),
}
CATEGORY_CASES = {
    "ce_multi_hot": ({"num_tokens": 5}, np.array([[0, 1], [3, 3], [4, 0]])),
    "ce_one_hot": ({"num_tokens": 4, "output_mode": "one_hot"}, np.array([3, 0, 2])),
    "ce_one_hot_col": ({"num_tokens": 4, "output_mode": "one_hot"}, np.array([[3], [1]])),
    "ce_count": ({"num_tokens": 6, "output_mode": "count"}, np.array([[1, 1, 5, 0], [2, 2, 2, 2]])),
    "ce_rank1": ({"num_tokens": 5, "output_mode": "multi_hot"}, np.array([1, 3, 3])),
}


def discretization_data():
    rs = np.random.RandomState(4)
    return {"normal": rs.randn(1000).astype("float32"), "skewed": np.exp(rs.randn(333, 3)).astype("float32"),
            "ties": np.repeat(np.arange(10.0), 17).astype("float32")}


DISCRETIZATION_CASES = {
    "disc_normal_5": ({"num_bins": 5}, "normal", None),
    "disc_normal_10_batch": ({"num_bins": 10}, "normal", 100),
    "disc_skewed_eps": ({"num_bins": 8, "epsilon": 0.1}, "skewed", None),
    "disc_ties": ({"num_bins": 4}, "ties", None),
    "disc_given": ({"bin_boundaries": [0.0, 1.0, 2.5]}, None, None),
    "disc_given_count": ({"bin_boundaries": [-1.0, 1.0], "output_mode": "count"}, None, None),
}
DISC_QUERIES = np.array([[-3.0, -1.0, -0.2, 0.0], [0.5, 1.0, 2.5, 9.0]], dtype="float32")


def image_inputs():
    rs = np.random.RandomState(7)
    return {"images": rs.uniform(0, 255, (3, 7, 9, 2)).astype("float32"),
            "rotations": np.array([0.3, -1.2, 2.9], "float32"),
            "zooms": np.array([[0.7, 1.3], [1.5, 0.6], [1.0, 1.0]], "float32"),
            "translations": np.array([[2.5, -1.0], [-4.2, 3.7], [9.0, -8.0]], "float32"),
            "projective": np.array([[1.1, 0.2, -1.0, -0.1, 0.9, 0.5, 0.01, -0.02],
                                    [0.8, -0.3, 2.0, 0.25, 1.2, -1.5, -0.03, 0.015],
                                    [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0]], "float32"),
            "contrast_factors": np.array([0.2, 1.0, 1.7], "float32"),
            "small_images": rs.uniform(0, 255, (2, 3, 4, 1)).astype("float32")}


IMAGE_LAYER_CASES = {  # layer kwargs -> inference output and training shape/dtype checked
    "RandomFlip": {"mode": "horizontal"},
    "RandomRotation": {"factor": 0.2},
    "RandomZoom": {"height_factor": 0.3, "width_factor": (-0.2, 0.1)},
    "RandomTranslation": {"height_factor": 0.2, "width_factor": 0.1},
    "RandomContrast": {"factor": 0.5},
    "RandomCrop": {"height": 5, "width": 6},
    "RandomHeight": {"factor": 0.4, "interpolation": "nearest"},
    "RandomWidth": {"factor": (-0.3, 0.2)},
    "RandomBrightness": {"factor": 0.3, "value_range": (0, 200)},
}


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return _jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8")
    if isinstance(value, np.str_):
        return str(value)
    return value


def _strings(array):
    """Object arrays of str/bytes as numpy unicode arrays (bytes decoded as UTF-8): no pickles in the npz."""
    array = np.asarray(array)
    if array.dtype != object and array.dtype.kind != "S":
        return array
    decode = np.vectorize(lambda v: v.decode("utf-8") if isinstance(v, bytes) else str(v), otypes=[object])
    return decode(array).astype(str) if array.size else array.astype(str)


def main():
    import tensorflow as tf
    import tf_keras as keras
    from tf_keras.src.layers.preprocessing import image_preprocessing as ip

    arrays, meta = {}, {"tf_keras_version": keras.__version__, "cases": {}}

    def record(name, layer, inputs, adapted=None):
        out = layer(inputs)
        if isinstance(out, tf.RaggedTensor):
            out = out.to_tensor()
        arrays[f"{name}/input"] = _strings(np.asarray(inputs, dtype=object) if isinstance(inputs, list) else inputs)
        arrays[f"{name}/output"] = _strings(out.numpy())
        entry = {"config": _jsonable(layer.get_config()), "adapted": adapted}
        if hasattr(layer, "get_vocabulary"):
            entry["vocabulary"] = _jsonable(layer.get_vocabulary())
        if hasattr(layer, "bin_boundaries"):
            entry["bin_boundaries"] = _jsonable(list(layer.bin_boundaries))
        meta["cases"][name] = entry

    for name, (kwargs, adapt, queries) in TEXT_CASES.items():
        layer = keras.layers.TextVectorization(**{k: tuple(v) if k == "ngrams" and isinstance(v, list) else v
                                                  for k, v in kwargs.items()})
        if adapt:
            layer.adapt(CORPUS)
        record(name, layer, np.array(queries, dtype=object), adapted="corpus" if adapt else None)
    for name, (kwargs, data, queries) in STRING_LOOKUP_CASES.items():
        layer = keras.layers.StringLookup(**kwargs)
        if data is not None:
            layer.adapt(data)
        record(name, layer, queries, adapted="tokens" if data is not None else None)
    for name, (kwargs, data, queries) in INTEGER_LOOKUP_CASES.items():
        layer = keras.layers.IntegerLookup(**kwargs)
        if data is not None:
            layer.adapt(data)
        record(name, layer, queries, adapted="ints" if data is not None else None)
    for name, (kwargs, inputs) in HASHING_CASES.items():
        record(name, keras.layers.Hashing(**kwargs), inputs)
    for name, (kwargs, inputs) in CATEGORY_CASES.items():
        record(name, keras.layers.CategoryEncoding(**kwargs), inputs)
    disc_data = discretization_data()
    for name, (kwargs, data, batch_size) in DISCRETIZATION_CASES.items():
        layer = keras.layers.Discretization(**kwargs)
        if data is not None:
            layer.adapt(disc_data[data], batch_size=batch_size)
        record(name, layer, DISC_QUERIES, adapted=data)

    # images: the resampler and the matrices for given draws
    img = image_inputs()
    images = img["images"]
    h, w = images.shape[1:3]
    matrices = {"rotation": ip.get_rotation_matrix(tf.constant(img["rotations"]), float(h), float(w)).numpy(),
                "zoom": ip.get_zoom_matrix(tf.constant(img["zooms"]), float(h), float(w)).numpy(),
                "translation": ip.get_translation_matrix(tf.constant(img["translations"])).numpy(),
                "projective": img["projective"]}
    for kind, matrix in matrices.items():
        arrays[f"matrix/{kind}"] = matrix
        for fill_mode in ("reflect", "wrap", "constant", "nearest"):
            for interpolation in ("bilinear", "nearest"):
                out = ip.transform(tf.constant(images), tf.constant(matrix), fill_mode=fill_mode, fill_value=17.0,
                                   interpolation=interpolation)
                arrays[f"transform/{kind}/{fill_mode}/{interpolation}"] = out.numpy()
    for factor in img["contrast_factors"]:
        out = tf.clip_by_value(tf.image.adjust_contrast(tf.constant(images), float(factor)), 0, 255)
        arrays[f"contrast/{factor:.3f}"] = out.numpy()
    for name, kwargs in IMAGE_LAYER_CASES.items():
        layer = getattr(keras.layers, name)(**kwargs, seed=3)
        for key in ("images", "small_images"):
            arrays[f"layer/{name}/{key}/inference"] = layer(img[key], training=False).numpy()
            trained = layer(img[key].astype("uint8"), training=True)
            meta["cases"][f"layer/{name}/{key}"] = {"training_shape": list(trained.shape),
                                                    "training_dtype": trained.dtype.name,
                                                    "config": _jsonable(layer.get_config())}
    for key, value in img.items():
        arrays[f"image_inputs/{key}"] = value

    # a model with preprocessing layers, saved by tf_keras to .h5
    texts = keras.Input((1,), dtype="string", name="text")
    numbers = keras.Input((2,), name="numbers")
    tv = keras.layers.TextVectorization(vocabulary=["fox", "dog", "the", "end"], output_mode="tf_idf",
                                        idf_weights=[0.4, 0.9, 0.1, 1.5])
    lookup = keras.layers.StringLookup(vocabulary=["b", "a"], output_mode="one_hot")
    # given boundaries: tf_keras keeps an adapted Discretization's summary as a weight of shape (2, None),
    # which kerasish's .h5 loader cannot take (kerasish keeps learned boundaries in the config instead)
    disc = keras.layers.Discretization(bin_boundaries=[-0.5, 0.5])
    hashed = keras.layers.Hashing(num_bins=4, output_mode="multi_hot")
    encoded = keras.layers.concatenate([tv(texts), lookup(keras.layers.Reshape(())(texts)),
                                        keras.layers.CategoryEncoding(3, output_mode="multi_hot")(disc(numbers)),
                                        hashed(texts)])
    model = keras.Model([texts, numbers], keras.layers.Dense(2, kernel_initializer="ones")(encoded))
    model_x = [np.array([["the fox"], ["a"], ["dog dog end"]], dtype=object),
               np.array([[-1.0, 0.0], [0.3, 2.0], [1.0, -0.5]], "float32")]
    arrays["model/text"] = _strings(model_x[0])
    arrays["model/numbers"] = model_x[1]
    arrays["model/prediction"] = model.predict(model_x, verbose=0)
    model.save(os.path.join(FIXTURES, "preprocessing_tf_keras_model.h5"))

    np.savez_compressed(os.path.join(FIXTURES, "preprocessing_tf_keras.npz"), **arrays)
    with open(os.path.join(FIXTURES, "preprocessing_tf_keras.json"), "w") as f:
        json.dump(meta, f, indent=0, ensure_ascii=False)
    for suffix in (".npz", ".json", "_model.h5"):
        path = os.path.join(FIXTURES, "preprocessing_tf_keras" + suffix)
        print("wrote", os.path.normpath(path), os.path.getsize(path), "bytes")


if __name__ == "__main__":
    sys.exit(main())
