"""Functions with no derivative to propagate: constructors, shape queries, integer-valued
and boolean functions.  Their results are inactive; calling them is never an error."""

from . import defnondiff

defnondiff("numpy.zeros numpy.ones numpy.full numpy.empty numpy.arange numpy.linspace "
           "numpy.eye numpy.identity numpy.zeros_like numpy.ones_like numpy.full_like "
           "numpy.empty_like", why="constructor")
defnondiff("numpy.shape numpy.ndim numpy.size len range isinstance int bool print",
           why="shape, size or type query")
defnondiff(("attr", "shape"), ("attr", "ndim"), ("attr", "size"), ("attr", "dtype"),
           why="shape, size or type query")
