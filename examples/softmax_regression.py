"""Softmax (multinomial logistic) regression on Fisher's iris data, trained by gradient
descent twice: once written with numpy arrays, once with plain Python lists and loops.
srcad differentiates both.

Run ``python examples/softmax_regression.py [steps]`` (default 150 steps).
``SRCAD_EXAMPLE_SMALL=1 python examples/softmax_regression.py`` takes 30 steps (the test
suite runs it that way).  The data set and its licence are described in
examples/data/README.md.
"""

import math
import os
import pathlib
import sys

import numpy as np

import srcad

SMALL = os.environ.get("SRCAD_EXAMPLE_SMALL") == "1"
DATA = pathlib.Path(__file__).parent / "data" / "iris.csv"


def load():
    table = np.loadtxt(DATA, delimiter=",", skiprows=1)
    features, labels = table[:, :4], table[:, 4].astype(int)
    features = (features - features.mean(axis=0)) / features.std(axis=0)
    test = np.arange(len(labels)) % 5 == 0  # every fifth flower is held out
    return features[~test], labels[~test], features[test], labels[test]


# -- written with numpy ---------------------------------------------------------------------


def loss_numpy(W, b, X, onehot):
    """Mean cross-entropy of softmax(X W + b), plus a small L2 penalty."""
    logits = X @ W + b
    top = np.max(logits, axis=1, keepdims=True)
    shifted = logits - top
    log_norm = np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    log_probs = shifted - log_norm
    return -np.sum(onehot * log_probs) / X.shape[0] + 1e-3 * np.sum(W * W)


def accuracy_numpy(W, b, X, labels):
    return float(np.mean(np.argmax(X @ W + b, axis=1) == labels))


# -- written with lists and loops -----------------------------------------------------------


def loss_lists(W, b, X, labels):
    """The same loss, with W a list of 3 lists of 4 weights and b a list of 3 biases."""
    total = 0.0
    for x, label in zip(X, labels):
        scores = []
        for k in range(len(W)):
            s = b[k]
            for j in range(len(x)):
                s = s + W[k][j] * x[j]
            scores.append(s)
        top = max(scores)
        norm = sum(math.exp(s - top) for s in scores)
        total = total - (scores[label] - top - math.log(norm))
    penalty = sum(w * w for row in W for w in row)
    return total / len(X) + 1e-3 * penalty


def accuracy_lists(W, b, X, labels):
    hits = 0
    for x, label in zip(X, labels):
        scores = [b[k] + sum(W[k][j] * x[j] for j in range(len(x))) for k in range(len(W))]
        hits += scores.index(max(scores)) == label
    return hits / len(X)


def main(steps=150):
    X, y, X_test, y_test = load()
    onehot = np.eye(3)[y]

    print("numpy version")
    grad_numpy = srcad.value_and_grad(loss_numpy, wrt=("W", "b"))
    W, b = np.zeros((4, 3)), np.zeros(3)
    for step in range(steps + 1):
        loss, (gW, gb) = grad_numpy(W, b, X, onehot)
        if step % max(1, steps // 3) == 0:
            print(f"  step {step:4d}  loss {loss:.4f}  test accuracy "
                  f"{accuracy_numpy(W, b, X_test, y_test):.2f}")
        W, b = W - 0.5 * gW, b - 0.5 * gb

    print("lists-and-loops version")
    grad_lists = srcad.value_and_grad(loss_lists, wrt=(0, 1))
    Xl, yl = X.tolist(), y.tolist()
    Wl, bl = [[0.0] * 4 for _ in range(3)], [0.0] * 3
    list_steps = max(1, steps // 5)
    for step in range(list_steps + 1):
        loss, (gW, gb) = grad_lists(Wl, bl, Xl, yl)
        if step % max(1, list_steps // 3) == 0:
            print(f"  step {step:4d}  loss {loss:.4f}  test accuracy "
                  f"{accuracy_lists(Wl, bl, X_test.tolist(), y_test.tolist()):.2f}")
        Wl = [[w - 0.5 * g for w, g in zip(row, grow)] for row, grow in zip(Wl, gW)]
        bl = [v - 0.5 * g for v, g in zip(bl, gb)]

    # Both derivatives against central finite differences, on a few flowers.
    srcad.check_grads(loss_numpy, (W, b, X[:10], onehot[:10]), wrt=(0, 1))
    srcad.check_grads(loss_lists, (Wl, bl, Xl[:5], yl[:5]), wrt=(0, 1))
    print("check_grads: both gradients agree with finite differences")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 30 if SMALL else 150)
