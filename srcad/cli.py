"""The ``srcad`` command line: ``srcad show TARGET [--wrt 0,1]``.

TARGET is ``path/to/file.py:function`` or ``package.module:function``.  Errors are one line
on stderr with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import pathlib
import sys

from .errors import SrcadError


def parse_wrt(text: str | None):
    """``"0,1"`` -> ``(0, 1)``; ``"x"`` -> ``"x"``; ``"x,1"`` -> ``("x", 1)``."""
    if text is None:
        return 0
    items = [item.strip() for item in text.split(",") if item.strip()]
    values = tuple(int(item) if item.lstrip("-").isdigit() else item for item in items)
    return values[0] if len(values) == 1 and "," not in text else values


def load_target(target: str):
    """The function named by ``file.py:func`` or ``module:func``."""
    if ":" not in target:
        raise SrcadError(f"target {target!r} must look like path/to/file.py:function or "
                         "package.module:function")
    where, _, attr = target.rpartition(":")
    if where.endswith(".py") or "/" in where or "\\" in where:
        path = pathlib.Path(where).resolve()
        if not path.is_file():
            raise SrcadError(f"no such file: {where}")
        sys.path.insert(0, str(path.parent))
        name = f"srcad_target_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise SrcadError(f"importing {where} failed: {type(exc).__name__}: {exc}") from None
    else:
        try:
            module = importlib.import_module(where)
        except Exception as exc:
            raise SrcadError(f"cannot import module {where!r}: {type(exc).__name__}: {exc}") \
                from None
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SrcadError(f"{where} has no function {attr!r}")
        obj = getattr(obj, part)
    return obj


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="srcad", description="Readable derivatives of "
                                     "numpy code by source transformation.")
    sub = parser.add_subparsers(dest="command", required=True)
    show = sub.add_parser("show", help="print the generated derivative of a function")
    show.add_argument("target", help="path/to/file.py:function or package.module:function")
    show.add_argument("--wrt", help="parameters to differentiate: positions or names, "
                      "comma-separated (default 0)")
    show.add_argument("--mode", default="rev", choices=["rev"], help="reverse mode")
    args = parser.parse_args(argv)
    from . import api
    try:
        fn = load_target(args.target)
        api.show(fn, wrt=parse_wrt(args.wrt), mode=args.mode)
    except SrcadError as exc:
        print(f"srcad: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
