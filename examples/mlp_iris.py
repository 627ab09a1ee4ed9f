"""A small neural network (multilayer perceptron) classifying Fisher's iris flowers, trained
by minibatch stochastic gradient descent with gradients from srcad.

The network has one hidden layer of tanh units and a softmax output; the loss is the mean
cross-entropy plus a small L2 penalty on the weights.  Its parameters are four separate
arrays, and ``srcad.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))`` returns the
gradient of each, shaped like it.  The loss calls a helper function, ``forward``, which
srcad differentiates too.  Seeds are fixed, so every run prints the same numbers.

Run ``python examples/mlp_iris.py``.  ``SRCAD_EXAMPLE_SMALL=1 python examples/mlp_iris.py``
trains for fewer epochs (the test suite runs it that way).  The data set and its licence
are described in examples/data/README.md.
"""

import os
import pathlib

import numpy as np

import srcad

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"
DATA = pathlib.Path(__file__).parent / "data" / "iris.csv"
HIDDEN = 16
L2 = 1e-4


def load():
    """Standardized features and labels, split into 120 training and 30 test flowers."""
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    features, labels = table[:, :4], table[:, 4].astype(int)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    test = np.arange(len(labels)) % 5 == 0  # every fifth flower is held out
    return features[~test], labels[~test], features[test], labels[test]


def forward(W1, b1, W2, b2, X):
    """The logits (unnormalized log-probabilities) of the three species, one row per flower."""
    hidden = np.tanh(X @ W1 + b1)
    return hidden @ W2 + b2


def loss(W1, b1, W2, b2, X, onehot):
    """Mean softmax cross-entropy of the network on (X, onehot), plus an L2 penalty."""
    logits = forward(W1, b1, W2, b2, X)
    top = np.max(logits, axis=1, keepdims=True)  # subtracted so that exp cannot overflow
    shifted = logits - top
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    penalty = np.sum(W1 * W1) + np.sum(W2 * W2)
    return -np.sum(onehot * log_probs) / X.shape[0] + L2 * penalty


def accuracy(W1, b1, W2, b2, X, labels):
    return float(np.mean(np.argmax(forward(W1, b1, W2, b2, X), axis=1) == labels))


def main(epochs=None):
    if epochs is None:
        epochs = 8 if SMALL else 100
    X, y, X_test, y_test = load()
    onehot = np.eye(3)[y]

    rng = np.random.default_rng(0)
    W1 = rng.normal(scale=1.0 / np.sqrt(4), size=(4, HIDDEN))
    b1 = np.zeros(HIDDEN)
    W2 = rng.normal(scale=1.0 / np.sqrt(HIDDEN), size=(HIDDEN, 3))
    b2 = np.zeros(3)
    print(f"MLP 4-{HIDDEN}-3 (tanh, softmax) on iris: {len(y)} training and "
          f"{len(y_test)} test flowers, {epochs} epochs")

    value_and_grad = srcad.value_and_grad(loss, wrt=("W1", "b1", "W2", "b2"))
    batch, rate = 10, 0.1
    for epoch in range(1, epochs + 1):
        order = rng.permutation(len(y))
        for start in range(0, len(y), batch):
            rows = order[start:start + batch]
            _, (gW1, gb1, gW2, gb2) = value_and_grad(W1, b1, W2, b2, X[rows], onehot[rows])
            W1, b1 = W1 - rate * gW1, b1 - rate * gb1
            W2, b2 = W2 - rate * gW2, b2 - rate * gb2
        if epoch == 1 or epoch % max(1, epochs // 4) == 0:
            print(f"  epoch {epoch:4d}  training loss {loss(W1, b1, W2, b2, X, onehot):.4f}"
                  f"  train accuracy {accuracy(W1, b1, W2, b2, X, y):.3f}"
                  f"  test accuracy {accuracy(W1, b1, W2, b2, X_test, y_test):.3f}")

    print(f"final train accuracy: {accuracy(W1, b1, W2, b2, X, y):.3f}")
    print(f"final test accuracy: {accuracy(W1, b1, W2, b2, X_test, y_test):.3f}")

    # The gradient of all four arrays against central finite differences, on a few flowers
    # (W1 has 64 entries, so check_grads uses random directions for it).
    srcad.check_grads(loss, (W1, b1, W2, b2, X[:8], onehot[:8]), wrt=(0, 1, 2, 3))
    print("check_grads: the gradient agrees with finite differences")


if __name__ == "__main__":
    main()
