"""Keras 2's `keras.utils.multi_gpu_model`: data parallelism over several GPUs.

kerasish computes on the CPU, so, as Keras 2 does on a machine without the GPUs asked for,
`multi_gpu_model` raises a ValueError; scripts that fall back to the single model on that error
(`except ValueError: parallel_model = model`) keep running. For several CPU processes see
`kerasish.distribute`.

Example:
    >>> import kerasish as keras
    >>> model = keras.Sequential([keras.layers.Dense(1, input_shape=(2,))])
    >>> try:
    ...     model = multi_gpu_model(model, gpus=2)
    ... except ValueError as e:
    ...     print(str(e).split(":")[0])
    To call `multi_gpu_model` with `gpus=2`, we expect the following devices to be available
"""


def multi_gpu_model(model, gpus=None, cpu_merge: bool = True, cpu_relocation: bool = False):
    """Replicate `model` on `gpus` GPUs (Keras 2 API); raises ValueError: kerasish has no GPU devices."""
    if isinstance(gpus, (list, tuple)):
        if len(gpus) <= 1:
            raise ValueError(f"For multi-gpu usage to be effective, call `multi_gpu_model` with `len(gpus) >= 2`. "
                             f"Received: `gpus={gpus}`")
        target_devices = ["/cpu:0"] + [f"/gpu:{i}" for i in gpus]
        count = len(gpus)
    else:
        if gpus is None or gpus <= 1:
            raise ValueError(f"For multi-gpu usage to be effective, call `multi_gpu_model` with `gpus >= 2`. "
                             f"Received: `gpus={gpus}`")
        target_devices = ["/cpu:0"] + [f"/gpu:{i}" for i in range(gpus)]
        count = gpus
    raise ValueError(f"To call `multi_gpu_model` with `gpus={count}`, we expect the following devices to be "
                     f"available: {target_devices}. However this machine only has: ['/cpu:0']. Try reducing "
                     "`gpus` (kerasish runs on the CPU; see kerasish.distribute for several processes).")
