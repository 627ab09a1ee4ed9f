"""Markdown tables, the summary, and the JSON dump of a run."""

from __future__ import annotations

import dataclasses
import json
import math

from .systems import SYSTEMS

GRADIENT_SYSTEMS = [s.name for s in SYSTEMS if s.is_gradient]
PEERS = ["autograd", "jax", "jax.jit", "torch"]


def fmt_time(seconds):
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{_sig3(seconds / scale)} {unit}"
    return f"{_sig3(seconds / 1e-9)} ns"


def _sig3(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else f"{x:.2f}"


def fmt_ratio(r):
    if r is None:
        return "—"
    return f"{r:.0f}" if r >= 100 else f"{r:.1f}" if r >= 10 else f"{r:.2f}"


def describe_params(params):
    shown = [f"{k}={v:,}".replace(",", "'") if isinstance(v, int) else f"{k}={v}"
             for k, v in params.items() if v is not None]
    return ", ".join(shown) or "scalars"


def median(case, system):
    r = case.results.get(system)
    return r.median_s if r is not None and r.status == "ok" else None


def ratio(case, num, den):
    a, b = median(case, num), median(case, den)
    return a / b if a is not None and b else None


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


class Notes:
    """Numbered footnotes for cells that hold no timing."""

    def __init__(self):
        self.items = []

    def mark(self, text):
        if text not in self.items:
            self.items.append(text)
        return f"[{self.items.index(text) + 1}]"


def cell(case, system, notes):
    r = case.results.get(system)
    if r is None:
        return "—"
    if r.status == "unavailable":
        return "—"
    if r.status == "timeout":
        return "timeout " + notes.mark(f"{system} on {case.workload} ({case.size}): {r.note}")
    if r.status == "error":
        return "error " + notes.mark(f"{system} on {case.workload} ({case.size}): {r.note}")
    if r.status == "wrong":
        return "**wrong** " + notes.mark(f"{system} on {case.workload} ({case.size}): {r.note}")
    if system == "f":
        return fmt_time(r.median_s)
    return f"{fmt_ratio(ratio(case, system, 'f'))} ({fmt_time(r.median_s)})"


def size_table(cases, size, systems, notes):
    lines = [f"### {size} sizes", "",
             "Cells: t_grad / t_f (median time per call); last column t_srcad / t_hand; "
             "— not run.", ""]
    header = ["workload", "size", "t_f"] + [s for s in systems if s != "f"] + ["srcad / hand"]
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|---|---|" + "---:|" * (len(header) - 2))
    for case in cases:
        if case.size != size:
            continue
        row = [case.workload, describe_params(case.params)]
        row += [cell(case, s, notes) for s in systems]
        row.append(fmt_ratio(ratio(case, "srcad", "hand")))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def first_call_table(cases, systems):
    lines = ["### Transformation and first call", "",
             "srcad: cold (caches cleared) source transformation, and `srcad.grad(f)` "
             "plus its first call; jax.jit: first call (tracing + XLA compile).", ""]
    header = ["workload", "size", "srcad transform", "srcad first gradient", "srcad warm call"]
    if "jax.jit" in systems:
        header.append("jax.jit first call")
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|---|---|" + "---:|" * (len(header) - 2))
    for case in cases:
        s = case.results.get("srcad")
        ok = s is not None and s.first_call_s is not None
        row = [case.workload, describe_params(case.params),
               fmt_time(s.transform_s) if ok else "—",
               fmt_time(s.first_call_s) if ok else "—",
               fmt_time(median(case, "srcad"))]
        if "jax.jit" in systems:
            j = case.results.get("jax.jit")
            row.append(fmt_time(j.first_call_s) if j is not None and j.status == "ok" else "—")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def summarize(cases):
    """Geometric means over cases, per size and over all."""
    out = {}
    for size in ("small", "large", "all"):
        chosen = [c for c in cases if size == "all" or c.size == size]
        if not chosen:
            continue
        vs_hand = [(ratio(c, "srcad", "hand"), c) for c in chosen]
        vs_hand = [(r, c) for r, c in vs_hand if r is not None]
        worst = max(vs_hand, key=lambda rc: rc[0], default=(None, None))
        entry = {
            "srcad/f": geomean([ratio(c, "srcad", "f") for c in chosen]),
            "hand/f": geomean([ratio(c, "hand", "f") for c in chosen]),
            "srcad/hand": geomean([r for r, _ in vs_hand]),
            "srcad/hand max": worst[0],
            "srcad/hand max case": f"{worst[1].workload} ({worst[1].size})" if worst[1] else None,
        }
        for peer in PEERS:
            entry[f"{peer}/srcad"] = geomean([ratio(c, peer, "srcad") for c in chosen])
            entry[f"{peer}/f"] = geomean([ratio(c, peer, "f") for c in chosen])
        out[size] = entry
    return out


def summary_table(summary, systems):
    lines = ["### Summary (geometric means over workloads)", "",
             "| | small | large | all |", "|---|---:|---:|---:|"]

    def row(label, key):
        values = [summary.get(size, {}).get(key) for size in ("small", "large", "all")]
        if key == "srcad/hand max":
            cases = [summary.get(size, {}).get("srcad/hand max case")
                     for size in ("small", "large", "all")]
            shown = [f"{fmt_ratio(v)} ({c.split(' ')[0]})" if v is not None else "—"
                     for v, c in zip(values, cases)]
        else:
            shown = [fmt_ratio(v) for v in values]
        lines.append(f"| {label} | " + " | ".join(shown) + " |")

    row("t_srcad / t_f", "srcad/f")
    row("t_hand / t_f", "hand/f")
    row("t_srcad / t_hand", "srcad/hand")
    row("t_srcad / t_hand, max", "srcad/hand max")
    for peer in PEERS:
        if peer in systems:
            row(f"speed-up of srcad over {peer} (t_{peer} / t_srcad)", f"{peer}/srcad")
    return lines


def markdown(cases, meta):
    systems = [s.name for s in SYSTEMS
               if any(c.results.get(s.name) is not None
                      and c.results[s.name].status != "unavailable" for c in cases)]
    notes = Notes()
    lines = [f"## srcad benchmarks ({'quick' if meta['quick'] else 'full'} run)", "",
             meta["environment"], ""]
    missing = [s.name for s in SYSTEMS if s.name not in systems]
    if missing:
        why = {r.system: r.note for c in cases for r in c.results.values()
               if r.status == "unavailable"}
        lines += ["Not run (—): " + ", ".join(f"{m} ({why.get(m, 'not selected')})"
                                              for m in missing), ""]
    for size in ("small", "large"):
        if any(c.size == size for c in cases):
            lines += size_table(cases, size, systems, notes) + [""]
    lines += first_call_table(cases, systems) + [""]
    lines += summary_table(summarize(cases), systems) + [""]
    if notes.items:
        lines += ["Notes:", ""] + [f"{i}. {t}" for i, t in enumerate(notes.items, 1)] + [""]
    failures = [f"{c.workload} ({c.size}): {f}" for c in cases for f in c.failures]
    if failures:
        lines += ["**Gradient check FAILED**:", ""] + [f"- {f}" for f in failures] + [""]
    else:
        lines += ["All gradients agree with the hand-written ones "
                  "(rtol 1e-6); hand-written gradients agree with central differences.", ""]
    return "\n".join(lines)


def write_json(path, cases, meta):
    data = {"meta": meta, "summary": summarize(cases),
            "cases": [dataclasses.asdict(c) for c in cases]}
    with open(path, "w") as f:
        json.dump(data, f, indent=1)
