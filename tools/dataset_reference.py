"""Record what tf_keras's dataset helpers return on a generated folder, for tests/utils/test_dataset_utils.py.

Run with a Python that has tf_keras (Keras 2) and Pillow, from the repository root:

    /tmp/tfenv/bin/python tools/dataset_reference.py

It writes a small folder tree of images (PNG RGB/RGBA/grayscale/palette, JPEG, BMP, GIF, in nested
and hidden folders, with a non-image file) and of text files, runs `image_dataset_from_directory`,
`text_dataset_from_directory`, `timeseries_dataset_from_array` and `split_dataset` with several
settings, and saves the file bytes and every result to tests/fixtures/datasets_tf_keras.npz. The test
writes the same bytes back to a folder and compares kerasish's results with these.
"""
import io
import json
import os
import sys
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "datasets_tf_keras.npz")


def make_files():
    """{relative path: bytes} of the image and text trees."""
    from PIL import Image

    rs = np.random.RandomState(0)
    files = {}

    def save(path, array, fmt, **kw):
        buf = io.BytesIO()
        Image.fromarray(array).save(buf, format=fmt, **kw)
        files[path] = buf.getvalue()

    def rgb(h, w):
        return rs.randint(0, 256, (h, w, 3), dtype=np.uint8)

    smooth = (np.add.outer(np.arange(9), np.arange(11))[:, :, None] * np.array([9, 5, 2])).astype(np.uint8)
    save("images/cat/c1.png", rgb(7, 9), "PNG")
    save("images/cat/C2.PNG", rs.randint(0, 256, (5, 6, 4), dtype=np.uint8), "PNG")
    save("images/cat/sub/c3.png", rs.randint(0, 256, (8, 5), dtype=np.uint8), "PNG")
    save("images/cat/c4.jpg", smooth, "JPEG", quality=95)
    save("images/dog/d1.bmp", rgb(6, 6), "BMP")
    save("images/dog/d2.gif", rgb(10, 8), "GIF")
    save("images/dog/d3.png", np.asarray(Image.fromarray(rgb(9, 7)).convert("P")), "PNG")
    save("images/emu/e1.png", rgb(12, 10), "PNG")
    save("images/emu/e2.jpeg", smooth[:, :, 0], "JPEG", quality=95)
    save("images/emu/e3.png", rgb(4, 12), "PNG")
    save("images/.hidden/h1.png", rgb(4, 4), "PNG")
    files["images/emu/notes.txt"] = b"not an image"
    # TensorFlow decodes BMP and GIF only as RGB(A), JPEG only as RGB or grayscale: narrower trees
    for rel, data in list(files.items()):
        ext = rel.rsplit(".", 1)[-1].lower()
        if ext in ("png", "jpg", "jpeg"):
            files["gray/" + rel[len("images/"):]] = data
        if ext in ("png", "bmp"):
            files["rgba/" + rel[len("images/"):]] = data
    words = ["good", "bad", "fine", "great", "awful", "okay", "nice", "poor"]
    for i in range(11):
        label = "pos" if i % 3 else "neg"
        files[f"texts/{label}/t{i:02d}.txt"] = " ".join(words[(i + k) % 8] for k in range(1 + i % 4)).encode()
    files["texts/pos/unicode.txt"] = "caf\u00e9 na\u00efve".encode()
    return files


def write_files(files, root):
    for rel, data in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


IMAGE_CASES = {
    "rgb_int": dict(color_mode="rgb", image_size=(6, 8), batch_size=4, shuffle=False),
    "gray_categorical_nearest": dict(root="gray", color_mode="grayscale", label_mode="categorical", image_size=(5, 5),
                                     interpolation="nearest", batch_size=None, shuffle=False),
    "rgba_crop_bicubic": dict(root="rgba", color_mode="rgba", image_size=(4, 6), crop_to_aspect_ratio=True,
                              interpolation="bicubic", batch_size=3, shuffle=False),
    "no_labels": dict(labels=None, image_size=(3, 3), batch_size=5, shuffle=False),
    "given_labels": dict(labels=[2, 0, 1, 1, 0, 2, 2, 0, 1, 1, 0], image_size=(3, 3), batch_size=4, shuffle=False),
    "class_names": dict(class_names=["emu", "dog", "cat"], image_size=(3, 3), batch_size=10, shuffle=False),
}
SPLIT_CASES = {
    "split_both": dict(image_size=(3, 3), batch_size=2, seed=7, validation_split=0.3, subset="both"),
    "split_training": dict(image_size=(3, 3), batch_size=2, seed=123, validation_split=0.2, subset="training"),
}
TEXT_CASES = {
    "text_binary": dict(label_mode="binary", batch_size=3, max_length=7, shuffle=False),
    "text_training": dict(batch_size=4, seed=5, validation_split=0.25, subset="training"),
    "text_validation": dict(batch_size=4, seed=5, validation_split=0.25, subset="validation"),
}
TIMESERIES_CASES = {
    "ts_targets": dict(sequence_length=4, sequence_stride=2, sampling_rate=2, batch_size=3),
    "ts_window": dict(sequence_length=3, batch_size=None, start_index=5, end_index=25),
    "ts_shuffle": dict(sequence_length=5, batch_size=4, shuffle=True, seed=11),
}


def timeseries_data():
    data = np.arange(60, dtype=np.float32).reshape(30, 2)
    targets = np.arange(30) * 10
    return data, targets


def split_data():
    return np.arange(40).reshape(20, 2), np.arange(20) * 3


def _batches(ds):
    return [tuple(np.asarray(t) for t in (b if isinstance(b, tuple) else (b,))) for b in ds]


def main():
    import tensorflow as tf
    import tf_keras as keras

    files = make_files()
    root = tempfile.mkdtemp()
    write_files(files, root)
    # file contents as one byte blob and sizes (no pickled objects in the fixture)
    out = {"file_names": np.array(list(files)), "file_sizes": np.array([len(b) for b in files.values()]),
           "file_blob": np.frombuffer(b"".join(files.values()), dtype=np.uint8)}
    meta = {"tf_keras_version": keras.__version__}

    def record(name, ds, relative_to):
        items = _batches(ds)
        meta[name] = {"n_batches": len(items), "n_parts": len(items[0]),
                      "class_names": getattr(ds, "class_names", None),
                      "file_paths": [os.path.relpath(p, relative_to) for p in getattr(ds, "file_paths", [])]}
        for i, parts in enumerate(items):
            for j, part in enumerate(parts):
                if part.dtype == object:  # strings: bytes as 'S' (texts never end in NUL bytes)
                    part = part.astype("S")
                out[f"{name}/{i}/{j}"] = part

    images = os.path.join(root, "images")
    for name, kwargs in IMAGE_CASES.items():
        kwargs = dict(kwargs)
        folder = os.path.join(root, kwargs.pop("root", "images"))
        record(name, keras.utils.image_dataset_from_directory(folder, **kwargs), folder)
    for name, kwargs in SPLIT_CASES.items():
        result = keras.utils.image_dataset_from_directory(images, **kwargs)
        for k, ds in enumerate(result if isinstance(result, list) else [result]):
            record(f"{name}{k}", ds, images)
    texts = os.path.join(root, "texts")
    for name, kwargs in TEXT_CASES.items():
        record(name, keras.utils.text_dataset_from_directory(texts, **kwargs), texts)
    data, targets = timeseries_data()
    for name, kwargs in TIMESERIES_CASES.items():
        record(name, keras.utils.timeseries_dataset_from_array(data, targets, **kwargs), root)
    x, y = split_data()
    record("split_arrays_left", keras.utils.split_dataset(x, left_size=0.75, shuffle=True, seed=3)[0], root)
    left, right = keras.utils.split_dataset((x, y), right_size=6, shuffle=True, seed=9)
    record("split_tuple_left", left, root)
    record("split_tuple_right", right, root)
    batched = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
    left, right = keras.utils.split_dataset(batched, left_size=13, right_size=5)
    record("split_batched_left", left, root)
    record("split_batched_right", right, root)
    out["meta"] = np.array(json.dumps(meta))
    np.savez_compressed(OUT, **out)
    print("wrote", os.path.normpath(OUT), os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    sys.exit(main())
