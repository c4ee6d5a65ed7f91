"""Which built-in layers the fast paths run without the generic layer-call machinery: the inference plan of a
Functional model (`Functional._inference_plan`) and the compiled train step (compiled_step.py) both ask here.

Example:
    >>> from kerasish.layers import Dense, Dropout
    >>> is_mode_dependent(Dropout(0.5)), is_mode_dependent(Dense(2))
    (True, False)
"""
# Layers that compute something else in training (batch statistics, noise); in a plan, their inference call
PURE_INFERENCE = ("BatchNormalization", "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout1D",
                  "SpatialDropout2D", "SpatialDropout3D")
PURE_RNN = ("SimpleRNN", "LSTM", "GRU")  # unless stateful (see functional._build_inference_plan)

# The model `call` methods that run the inference plan: functional.py and sequential.py add theirs
PLAN_CALLS = []


def is_mode_dependent(layer):
    """Whether a layer of an inference plan computes something else in training (dropout, noise, batch
    statistics, an RNN's dropout masks)."""
    name = type(layer).__name__  # plan layers are exactly the built-in classes
    if name in PURE_RNN:
        return bool(layer.cell.dropout or layer.cell.recurrent_dropout)
    return name == "Dropout" or name in PURE_INFERENCE
