"""Functions with no derivative to propagate: constructors, shape queries, integer-valued
and boolean functions.  Their results are inactive; calling them is never an error.

Only functions whose result does not depend differentiably on any float argument belong
here: ``np.full(shape, x)``, ``np.linspace(a, b)`` and ``np.arange(a, b, h)`` have rules in
shapes.py; ``np.sort``, ``np.unique`` and ``np.random.permutation``/``choice`` return
elements of their argument and are not registered.  Random samplers with distribution
parameters (``np.random.normal(mu, sigma)``) are not registered either: with a
differentiated parameter they are refused; write ``mu + sigma * np.random.standard_normal(n)``
for the pathwise derivative.
"""

from ..runtime import HELPERS
from . import defnondiff, lookup, resolve_name


def _nondiff(names: str, why: str) -> None:
    """defnondiff, skipping names that do not exist or that another module gave a rule."""
    keep = []
    for name in names.split():
        obj = resolve_name(name)
        if obj is None or lookup(obj) is not None:
            continue
        keep.append(name)
    if keep:
        defnondiff(" ".join(keep), why=why)


_nondiff("numpy.zeros numpy.ones numpy.empty numpy.eye numpy.identity numpy.zeros_like "
         "numpy.ones_like numpy.empty_like numpy.tri numpy.indices numpy.diag_indices "
         "numpy.diag_indices_from numpy.tril_indices numpy.triu_indices numpy.tril_indices_from "
         "numpy.triu_indices_from numpy.mask_indices",
         why="constructor")
_nondiff("numpy.shape numpy.ndim numpy.size len range isinstance type int bool print str repr "
         "id hash callable hasattr numpy.isscalar numpy.iscomplexobj numpy.isrealobj "
         "numpy.result_type numpy.promote_types numpy.can_cast numpy.dtype numpy.finfo "
         "numpy.iinfo numpy.broadcast_shapes numpy.may_share_memory numpy.shares_memory",
         why="shape, size or type query")
_nondiff("numpy.floor numpy.ceil numpy.round numpy.around numpy.rint numpy.trunc numpy.fix "
         "numpy.sign numpy.signbit numpy.heaviside numpy.floor_divide round",
         why="piecewise constant: zero derivative almost everywhere")
_nondiff("numpy.argmax numpy.argmin numpy.nanargmax numpy.nanargmin numpy.argsort "
         "numpy.argpartition numpy.lexsort numpy.argwhere numpy.nonzero numpy.flatnonzero "
         "numpy.searchsorted numpy.digitize numpy.count_nonzero numpy.ravel_multi_index "
         "numpy.unravel_index numpy.bincount_indices",
         why="integer-valued: indices or counts")
_nondiff("numpy.isnan numpy.isinf numpy.isfinite numpy.isneginf numpy.isposinf numpy.isreal "
         "numpy.iscomplex numpy.greater numpy.less numpy.equal numpy.not_equal "
         "numpy.greater_equal numpy.less_equal numpy.logical_and numpy.logical_or "
         "numpy.logical_not numpy.logical_xor numpy.any numpy.all numpy.isclose numpy.allclose "
         "numpy.array_equal numpy.array_equiv numpy.isin numpy.in1d",
         why="boolean-valued")
_nondiff("numpy.bitwise_and numpy.bitwise_or numpy.bitwise_xor numpy.invert numpy.bitwise_not "
         "numpy.left_shift numpy.right_shift numpy.gcd numpy.lcm",
         why="integer-valued")
# Samplers whose arguments are only sizes or seeds.  Samplers with distribution parameters
# (normal(mu, sigma), uniform(low, high)) are not listed: called with a differentiated
# parameter they raise "no derivative rule" rather than give a silent zero; write
# ``mu + sigma * np.random.standard_normal(n)`` for the pathwise derivative.
_nondiff("numpy.random.rand numpy.random.randn numpy.random.random numpy.random.random_sample "
         "numpy.random.standard_normal numpy.random.randint numpy.random.seed "
         "numpy.random.default_rng",
         why="random sample: its arguments are sizes or seeds")

defnondiff(("attr", "shape"), ("attr", "ndim"), ("attr", "size"), ("attr", "dtype"),
           ("attr", "itemsize"), ("attr", "nbytes"), ("attr", "strides"),
           why="shape, size or type query")
defnondiff(("method", "argmax"), ("method", "argmin"), ("method", "argsort"),
           ("method", "argpartition"), ("method", "nonzero"), ("method", "searchsorted"),
           why="integer-valued: indices")
defnondiff(("method", "any"), ("method", "all"), why="boolean-valued")
defnondiff(("method", "round"), why="piecewise constant: zero derivative almost everywhere")

defnondiff(*[HELPERS[name] for name in ("loop_length",)], why="a loop's trip count")
