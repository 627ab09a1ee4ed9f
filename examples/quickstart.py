"""Quickstart: the gradient of y = ln(x1) + x1*x2 - sin(x2) at (2, 5), and its source.

Run it with ``python examples/quickstart.py``, or print the derivative alone with
``srcad show examples/quickstart.py:f --wrt 0,1``.
"""

import numpy as np

import srcad


def f(x1, x2):
    y = np.log(x1) + x1 * x2 - np.sin(x2)
    return y


def main():
    df = srcad.grad(f, wrt=(0, 1))
    dx1, dx2 = df(2.0, 5.0)
    print(f"f(2, 5)     = {f(2.0, 5.0):.6f}")
    print(f"df/dx1      = {dx1:.6f}   (1/x1 + x2 = {1 / 2.0 + 5.0:.6f})")
    print(f"df/dx2      = {dx2:.6f}   (x1 - cos(x2) = {2.0 - np.cos(5.0):.6f})")
    print()
    print("Generated source:")
    srcad.show(df)
    srcad.check_grads(f, (2.0, 5.0), wrt=(0, 1))
    print("check_grads: the derivative agrees with finite differences")


if __name__ == "__main__":
    main()
