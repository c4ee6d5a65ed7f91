"""Fine-tune an ImageNet-pretrained MobileNetV2 on a small folder of images (one subfolder per class).

    python examples/finetune_pretrained.py --data path/to/images      # images/cats/*.jpg, images/dogs/*.jpg, ...
    python examples/finetune_pretrained.py                            # makes a small synthetic folder first

The ImageNet weights are the file tf.keras uses (mobilenet_v2_..._0.35_96_no_top.h5, 2 MB), downloaded once
into ~/.keras/models and found there afterwards, offline too. `--weights path/to/file.h5` loads a local weights
file; `--weights none` runs the same pipeline with random weights (no download; its accuracy stays at chance).

Two stages, as in Keras's transfer-learning guide: train a new classifier on the frozen network, then unfreeze
its last blocks and fine-tune with a small learning rate. The base network runs with `training=False`, so its
batch normalization keeps the ImageNet statistics while fine-tuning. Images are read and augmented by
`ImageDataGenerator.flow_from_directory`, with the network's own `preprocess_input`.
"""
import argparse
import os
import tempfile

import numpy as np

import kerasish as keras
from kerasish.applications import mobilenet_v2
from kerasish.preprocessing.image import ImageDataGenerator, array_to_img


def synthetic_folder(root, per_class=24, size=96, seed=0):
    """Two classes of 96x96 images: a bright disc or a bright bar on a noisy background."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for label in ("discs", "bars"):
        os.makedirs(os.path.join(root, label), exist_ok=True)
        for i in range(per_class):
            image = rng.uniform(0, 120, (size, size, 3))
            cy, cx = rng.integers(size // 4, 3 * size // 4, 2)
            if label == "discs":
                shape = (yy - cy) ** 2 + (xx - cx) ** 2 < (size // 6) ** 2
            else:
                shape = (np.abs(yy - cy) < size // 12) & (np.abs(xx - cx) < size // 3)
            image[shape] = rng.uniform(180, 255, 3)
            array_to_img(image.astype("float32"), scale=False).save(os.path.join(root, label, f"{i}.png"))
    return root


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", help="folder with one subfolder of images per class (default: synthetic)")
    parser.add_argument("--weights", default="imagenet", help='"imagenet", "none" or a weights file path')
    parser.add_argument("--size", type=int, default=96, help="image size (ImageNet weights: 96, 128, ... 224)")
    parser.add_argument("--epochs", type=int, default=int(os.environ.get("KERASISH_EXAMPLE_EPOCHS", 5)))
    args = parser.parse_args()
    keras.utils.set_random_seed(19)
    data = args.data or synthetic_folder(tempfile.mkdtemp(prefix="kerasish_images_"), size=args.size)
    weights = None if args.weights.lower() == "none" else args.weights

    generator = ImageDataGenerator(preprocessing_function=mobilenet_v2.preprocess_input, horizontal_flip=True,
                                   rotation_range=10, validation_split=0.25)
    flow = dict(target_size=(args.size, args.size), batch_size=16, class_mode="sparse", seed=19)
    train = generator.flow_from_directory(data, subset="training", **flow)
    val = generator.flow_from_directory(data, subset="validation", shuffle=False, **flow)
    classes = len(train.class_indices)

    # 1. the pretrained network, frozen, with a new classifier on top
    base = mobilenet_v2.MobileNetV2(weights=weights, alpha=0.35, include_top=False, pooling="avg",
                                    input_shape=(args.size, args.size, 3))
    base.trainable = False
    inputs = keras.Input((args.size, args.size, 3))
    features = base(inputs, training=False)  # batch norm keeps its ImageNet statistics, also when fine-tuning
    outputs = keras.layers.Dense(classes, activation="softmax")(keras.layers.Dropout(0.2)(features))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"{train.samples} training and {val.samples} validation images of {classes} classes; "
          f"{len(model.trainable_weights)} trainable weight tensors (the new classifier)")
    model.fit(train, validation_data=val, epochs=args.epochs, verbose=2)

    # 2. unfreeze the last blocks and fine-tune them gently
    base.trainable = True
    for layer in base.layers[:-20]:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-4), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"fine-tuning {len(model.trainable_weights)} weight tensors")
    history = model.fit(train, validation_data=val, epochs=max(1, args.epochs // 2), verbose=2)
    print("validation accuracy:", round(history.history["val_accuracy"][-1], 3))
    path = os.path.join(tempfile.mkdtemp(), "finetuned.h5")
    model.save(path)
    print("saved to", path)


if __name__ == "__main__":
    main()
