"""A multilayer perceptron: two tanh hidden layers and a softmax cross-entropy loss,
averaged over a batch (one-hot labels)."""

import numpy as np

NAME = "mlp"
WRT = (0, 1, 2, 3, 4, 5)
SIZES = {"small": {"batch": 8, "width": 16}, "large": {"batch": 256, "width": 512}}
QUICK_SIZES = {}
CLASSES = 10


def mlp(W1, b1, W2, b2, W3, b3, X, Y):
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(Y * log_p) / X.shape[0]


function = mlp


def make_inputs(rng, batch, width):
    def layer(n_in, n_out):
        return rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_in, n_out)), rng.normal(0.0, 0.1, n_out)

    W1, b1 = layer(width, width)
    W2, b2 = layer(width, width)
    W3, b3 = layer(width, CLASSES)
    X = rng.normal(size=(batch, width))
    Y = np.eye(CLASSES)[rng.integers(0, CLASSES, batch)]
    return (W1, b1, W2, b2, W3, b3, X, Y)


def grad_hand(W1, b1, W2, b2, W3, b3, X, Y):
    h1 = np.tanh(X @ W1 + b1)
    h2 = np.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    e = np.exp(logits - np.max(logits, axis=1, keepdims=True))
    p = e / np.sum(e, axis=1, keepdims=True)
    d3 = (p - Y) / X.shape[0]  # rows of Y sum to 1
    d2 = (d3 @ W3.T) * (1.0 - h2 * h2)
    d1 = (d2 @ W2.T) * (1.0 - h1 * h1)
    return (X.T @ d1, d1.sum(axis=0), h1.T @ d2, d2.sum(axis=0), h2.T @ d3, d3.sum(axis=0))


def torch_function(W1, b1, W2, b2, W3, b3, X, Y):
    import torch

    h1 = torch.tanh(X @ W1 + b1)
    h2 = torch.tanh(h1 @ W2 + b2)
    logits = h2 @ W3 + b3
    z = logits - torch.amax(logits, dim=1, keepdim=True)
    log_p = z - torch.log(torch.sum(torch.exp(z), dim=1, keepdim=True))
    return -torch.sum(Y * log_p) / X.shape[0]
