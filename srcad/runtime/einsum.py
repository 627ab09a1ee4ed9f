"""Adjoints and tangents of index contractions: ``np.einsum`` and ``np.linalg.multi_dot``
(see srcad/rules/linalg.py; the other linear-algebra helpers are in linalg.py).

Conventions are those of linalg.py: ``g`` is the adjoint of the primal result; an
einsum form that is not handled raises ``NotImplementedError`` naming it.
"""

import string

import numpy as np

from .linalg import _shaped, mT

__all__ = ["einsum_adjoints", "einsum_sublist_first_adjoint", "einsum_tangent",
           "multi_dot_adjoints", "multi_dot_tangent"]


# --------------------------------------------------------------------------- einsum

_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # sorted like ints


def _sublist_spec(seq):
    parts = []
    for item in seq:
        if item is Ellipsis:
            parts.append("...")
        elif isinstance(item, (int, np.integer)) and 0 <= item < len(_SUBLIST_LETTERS):
            parts.append(_SUBLIST_LETTERS[int(item)])
        else:
            raise NotImplementedError(f"einsum adjoint: unsupported sublist entry {item!r}")
    return "".join(parts)


def _einsum_from_sublists(first, rest):
    """The interleaved form ``einsum(op0, sub0, op1, sub1, ..., [out])`` as (subscripts
    string, arrays, positions of the arrays among ``rest``, -1 standing for ``first``)."""
    items = [first, *rest]
    pairs = len(items) // 2
    arrays = [items[2 * i] for i in range(pairs)]
    terms = [_sublist_spec(items[2 * i + 1]) for i in range(pairs)]
    spec = ",".join(terms)
    if len(items) % 2:
        spec += "->" + _sublist_spec(items[-1])
    return spec, arrays, [2 * i - 1 for i in range(pairs)]


def _einsum_parse(subscripts, operands):
    """(input labels per operand, output labels, unused letters): ellipses made explicit."""
    if not isinstance(subscripts, str):
        raise NotImplementedError("einsum adjoint: subscripts must be a string")
    spec = subscripts.replace(" ", "")
    if "->" in spec:
        lhs, out = spec.split("->")
    else:
        lhs, out = spec, None
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"einsum subscripts {subscripts!r} name {len(terms)} operands, "
                         f"{len(operands)} given")
    used = {c for c in spec if c.isalpha()}
    free = [c for c in string.ascii_letters if c not in used]
    ranks = []
    for term, op in zip(terms, operands):
        ranks.append(np.ndim(op) - (len(term) - 3) if "..." in term else None)
    n_ell = max([r for r in ranks if r is not None], default=0)
    if n_ell > len(free):
        raise NotImplementedError(f"einsum adjoint: too many dimensions in {subscripts!r}")
    ell, free = "".join(free[:n_ell]), free[n_ell:]
    labels = []
    for term, rank, op in zip(terms, ranks, operands):
        original = term
        if rank is not None:
            term = term.replace("...", ell[n_ell - rank:])
        if not term.isalpha() and term != "" or len(term) != np.ndim(op):
            raise ValueError(f"einsum subscripts {original!r} do not fit an operand of "
                             f"shape {np.shape(op)}")
        labels.append(term)
    if out is None:
        counts = {}
        for term in terms:
            for c in term.replace("...", ""):
                counts[c] = counts.get(c, 0) + 1
        out = ell + "".join(sorted(c for c, k in counts.items() if k == 1))
    else:
        out = out.replace("...", ell)
    if not (out.isalpha() or out == "") or len(set(out)) != len(out):
        raise NotImplementedError(f"einsum adjoint: unsupported output subscripts in "
                                  f"{subscripts!r}")
    return labels, out, free


def einsum_adjoints(g, subscripts, operands):
    """The adjoints of every operand of ``y = np.einsum(subscripts, *operands)``.

    Each adjoint is itself an einsum of ``g`` with the other operands.  Labels repeated in
    one operand (diagonals, ``"ii->i"``) are handled with identity matrices, labels summed
    in one operand only (``"ij->i"``) by broadcasting, ellipses and broadcast (size 1)
    dimensions by summing.  In the interleaved form ``einsum(op0, sub0, op1, sub1, ...)``
    the entries of the result at sublist positions are 0.0, and the adjoint of ``op0`` (the
    ``subscripts`` parameter) is :func:`einsum_sublist_first_adjoint`.
    """
    operands = tuple(operands)
    if not isinstance(subscripts, str):  # the interleaved (sublist) form
        spec, arrays, where = _einsum_from_sublists(subscripts, operands)
        adjoints = einsum_adjoints(g, spec, arrays)
        out = [0.0] * len(operands)
        for pos, adj in zip(where, adjoints):
            if pos >= 0:
                out[pos] = adj
        return tuple(out)
    labels, out, free = _einsum_parse(subscripts, operands)
    sizes = {}
    for term, op in zip(labels, operands):
        for c, n in zip(term, np.shape(op)):
            sizes[c] = max(sizes.get(c, 1), n)
    g = np.asarray(g)
    if g.ndim == 0 and out:
        g = np.broadcast_to(g, [sizes[c] for c in out])
    if g.ndim != len(out):
        raise ValueError(f"einsum adjoint: adjoint of shape {g.shape} for output {out!r}")
    return tuple(_einsum_operand_adjoint(g, k, labels, out, operands, sizes, list(free))
                 for k in range(len(operands)))


def _einsum_operand_adjoint(g, k, labels, out, operands, sizes, free):
    x = operands[k]
    terms = [out] + [t for j, t in enumerate(labels) if j != k]
    ops = [g] + [op for j, op in enumerate(operands) if j != k]
    target, seen = [], set()
    for c in labels[k]:
        if c in seen:  # a repeated label: the adjoint lives on a diagonal
            if not free:
                raise NotImplementedError("einsum adjoint: ran out of subscript letters")
            f = free.pop(0)
            terms.append(c + f)
            ops.append(np.eye(sizes[c]))
            target.append(f)
        else:
            seen.add(c)
            target.append(c)
    present = set("".join(terms))
    kept = "".join(t for t in target if t in present)
    r = np.einsum(",".join(terms) + "->" + kept, *ops, optimize=len(ops) > 2)
    # labels that only x carries were summed: broadcast the adjoint along them
    dims = iter(r.shape)
    r = np.reshape(r, [next(dims) if t in present else 1 for t in target])
    xshape = np.shape(x)
    r = np.broadcast_to(r, [n if t in present else xshape[i]
                            for i, (t, n) in enumerate(zip(target, r.shape))])
    # dimensions of size 1 in x that einsum broadcast: sum them
    axes = tuple(i for i, n in enumerate(xshape) if n == 1 and r.shape[i] != 1)
    if axes:
        r = np.sum(r, axis=axes, keepdims=True)
    if r.shape != xshape:
        raise NotImplementedError(f"einsum adjoint: could not shape the adjoint of operand {k} "
                                  f"({r.shape} against {xshape})")
    return _shaped(r, x)


def einsum_sublist_first_adjoint(g, subscripts, operands):
    """The adjoint of the first array of ``np.einsum(op0, sub0, op1, sub1, ...)``, which
    is bound to the ``subscripts`` parameter; None for the subscripts-string form."""
    if isinstance(subscripts, str):
        return None
    spec, arrays, _ = _einsum_from_sublists(subscripts, operands)
    return einsum_adjoints(g, spec, arrays)[0]


def einsum_tangent(subscripts, operands, doperands):
    """The tangent of ``np.einsum(subscripts, *operands)``: ``doperands`` holds one tangent
    per operand, or None for an inactive one.  In the sublist form
    (``np.einsum(a, [0, 1], b, [1, 2])``) the sublists have no tangent."""
    total = 0.0
    for k, d in enumerate(doperands):
        if d is None or isinstance(operands[k], list):
            continue
        ops = list(operands)
        ops[k] = d
        total = total + np.einsum(subscripts, *ops)
    return total


# --------------------------------------------------------------------------- chains

def _multi_dot_2d(arrays):
    mats = [np.asarray(m) for m in arrays]
    first_vec = mats[0].ndim == 1
    last_vec = mats[-1].ndim == 1
    if first_vec:
        mats[0] = mats[0][None, :]
    if last_vec:
        mats[-1] = mats[-1][:, None]
    if any(m.ndim != 2 for m in mats):
        raise NotImplementedError("multi_dot adjoint: arrays must be 2-D (the first and "
                                  "last may be 1-D)")
    return mats, first_vec, last_vec


def _chain(mats, n_rows):
    out = np.eye(n_rows)
    for m in mats:
        out = out @ m
    return out


def multi_dot_adjoints(g, arrays):
    """The adjoints of every array of ``y = np.linalg.multi_dot(arrays)``."""
    mats, first_vec, last_vec = _multi_dot_2d(arrays)
    g2 = np.asarray(g)
    if first_vec and last_vec:
        g2 = np.reshape(g2, (1, 1))
    elif first_vec:
        g2 = g2[None, :]
    elif last_vec:
        g2 = g2[:, None]
    out = []
    for i, original in enumerate(arrays):
        left = _chain(mats[:i], mats[0].shape[0])
        right = _chain(mats[i + 1:], mats[i].shape[1])
        out.append(_shaped(mT(left) @ g2 @ mT(right), original))
    return tuple(out)


def multi_dot_tangent(arrays, darrays):
    """The tangent of ``np.linalg.multi_dot(arrays)`` (None marks an inactive array)."""
    total = 0.0
    for i, d in enumerate(darrays):
        if d is None:
            continue
        mats = list(arrays)
        mats[i] = d
        total = total + np.linalg.multi_dot(mats)
    return total
