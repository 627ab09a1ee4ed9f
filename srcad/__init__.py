"""srcad: automatic differentiation of numpy code by source transformation.

>>> import numpy as np, srcad
>>> @srcad.grad
... def f(x):
...     return np.sum(np.sin(x) * x)
>>> f(np.zeros(2)).tolist()
[0.0, 0.0]
"""

from .aot import generate
from .api import grad, show, value_and_grad, vjp
from .checking import check_grads
from .custom import custom_jvp, custom_vjp, defjvp, defvjp, stop_gradient
from .products import hessian, hvp, jacobian, jvp
from .errors import (InputError, InternalError, NoRuleError, RuleError, SourceError,
                     SrcadError, UnsupportedError)
from .rules import supported_functions

__version__ = "0.1.0"

__all__ = [
    "grad", "value_and_grad", "vjp", "jvp", "hvp", "jacobian", "hessian", "show",
    "generate", "check_grads", "supported_functions",
    "SrcadError", "SourceError", "UnsupportedError", "NoRuleError", "InputError",
    "RuleError", "InternalError",
    "defvjp", "defjvp", "custom_vjp", "custom_jvp", "stop_gradient",
]
