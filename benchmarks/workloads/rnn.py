"""A vanilla tanh RNN unrolled by a Python ``for`` over the time steps, with a linear
readout of the last state and a squared-error loss."""

import numpy as np

NAME = "rnn"
WRT = (0, 1, 2, 3)
SIZES = {"small": {"steps": 20, "hidden": 16, "batch": 4, "inputs": 8},
         "large": {"steps": 100, "hidden": 256, "batch": 32, "inputs": 64}}
QUICK_SIZES = {}


def rnn(Wx, Wh, b, w_out, xs, target):
    h = np.zeros((xs.shape[1], Wh.shape[0]))
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ Wx + h @ Wh + b)
    y = h @ w_out
    return 0.5 * np.sum((y - target) ** 2)


function = rnn


def make_inputs(rng, steps, hidden, batch, inputs):
    Wx = rng.normal(0.0, 1.0 / np.sqrt(inputs), (inputs, hidden))
    Wh = rng.normal(0.0, 0.9 / np.sqrt(hidden), (hidden, hidden))
    b = rng.normal(0.0, 0.1, hidden)
    w_out = rng.normal(0.0, 1.0 / np.sqrt(hidden), hidden)
    xs = rng.normal(size=(steps, batch, inputs))
    target = rng.normal(size=batch)
    return (Wx, Wh, b, w_out, xs, target)


def grad_hand(Wx, Wh, b, w_out, xs, target):
    """Backpropagation through time: keep the states, run the steps backwards, and form
    the weight gradients with one matrix product over all steps."""
    steps, batch, _ = xs.shape
    hs = np.empty((steps + 1, batch, Wh.shape[0]))
    hs[0] = 0.0
    for t in range(steps):
        hs[t + 1] = np.tanh(xs[t] @ Wx + hs[t] @ Wh + b)
    dy = hs[-1] @ w_out - target
    dh = np.outer(dy, w_out)
    da = np.empty_like(hs[1:])  # adjoints of the pre-activations, per step
    Wh_T = Wh.T
    for t in range(steps - 1, -1, -1):
        da[t] = dh * (1.0 - hs[t + 1] * hs[t + 1])
        dh = da[t] @ Wh_T
    da2 = da.reshape(-1, da.shape[-1])
    dWx = xs.reshape(-1, xs.shape[-1]).T @ da2
    dWh = hs[:-1].reshape(-1, hs.shape[-1]).T @ da2
    return (dWx, dWh, da2.sum(axis=0), hs[-1].T @ dy)


def torch_function(Wx, Wh, b, w_out, xs, target):
    import torch

    h = torch.zeros((xs.shape[1], Wh.shape[0]), dtype=xs.dtype)
    for t in range(xs.shape[0]):
        h = torch.tanh(xs[t] @ Wx + h @ Wh + b)
    y = h @ w_out
    return 0.5 * torch.sum((y - target) ** 2)
