"""The function that docs/how-it-works.md follows through every compiler step.

Run ``SRCAD_CACHE=0 SRCAD_DUMP=fence,desugar,control,anf,ssa,resolve,activity,kinds,calls,
reverse,optimize python docs/walkthrough.py`` to print the code after each step.  The page is
generated from it by ``python -m srcad.docgen``: keep ``f`` small, and read the page's
prose again when you change it.
"""

import numpy as np

import srcad


def f(x, a):
    s = 0.0
    for v in x:
        if v > a:
            break
        s += a * np.exp(v)
    return s


ARGS = (np.array([0.1, 0.2, 0.9]), 0.5)

if __name__ == "__main__":
    print(srcad.grad(f)(*ARGS))
