"""The ``srcad`` command line.

* ``srcad show TARGET [--wrt 0,1] [--mode rev|fwd]`` prints the generated derivative;
* ``srcad generate TARGET [--wrt ...] [--mode rev|fwd|value_and_grad] [--name NAME] -o FILE``
  writes a standalone gradient module; with ``--check`` it only tells whether FILE is
  what it would write (exit status 1 and a one-line message when it is stale);
* ``srcad cache info`` and ``srcad cache clear`` show and empty the disk cache.

TARGET is ``path/to/file.py:function`` or ``package.module:function``.  Errors are one line
on stderr with exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
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
        if str(path.parent) not in sys.path:
            sys.path.insert(0, str(path.parent))
        # Imported under its own name, as `python` run in its directory would, so that a
        # generated module can import what it needs from it.
        name = path.stem
        loaded = sys.modules.get(name)
        if loaded is not None and getattr(loaded, "__file__", None) and \
                pathlib.Path(loaded.__file__).resolve() == path:
            return _attribute(loaded, where, attr)
        if loaded is not None or not name.isidentifier():
            name = f"srcad_target_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            del sys.modules[name]
            raise SrcadError(f"importing {where} failed: {type(exc).__name__}: {exc}") from None
    else:
        if "" not in sys.path and os.getcwd() not in sys.path:
            sys.path.insert(0, os.getcwd())  # as `python -m` would: modules in this folder
        try:
            module = importlib.import_module(where)
        except (Exception, SystemExit) as exc:
            raise SrcadError(f"cannot import module {where!r}: {type(exc).__name__}: {exc}") \
                from None
    return _attribute(module, where, attr)


def _attribute(module, where, attr):
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise SrcadError(f"{where} has no function {attr!r}")
        obj = getattr(obj, part)
    return obj


def _one_line(exc: SrcadError) -> str:
    text = exc.message if exc.location is None else f"{exc.location}: {exc.message}"
    if exc.hint:
        text += f" (hint: {exc.hint})"
    return " ".join(text.split())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="srcad", description="Readable derivatives of "
                                     "numpy code by source transformation.")
    sub = parser.add_subparsers(dest="command", required=True)
    target = "path/to/file.py:function or package.module:function"
    wrt = "parameters to differentiate: positions or names, comma-separated (default 0)"
    show = sub.add_parser("show", help="print the generated derivative of a function")
    show.add_argument("target", help=target)
    show.add_argument("--wrt", help=wrt)
    show.add_argument("--mode", default="rev", choices=["rev", "fwd"],
                      help="reverse mode (vjp) or forward mode (jvp)")
    gen = sub.add_parser("generate", help="write a standalone gradient module (numpy only)")
    gen.add_argument("target", help=target)
    gen.add_argument("--wrt", help=wrt)
    gen.add_argument("--mode", default="rev", choices=["rev", "value_and_grad", "fwd"],
                     help="grad_<f> (rev, default), value_and_grad_<f>, or jvp_<f> (fwd)")
    gen.add_argument("--name", help="name of the main function (default grad_<function>)")
    gen.add_argument("-o", "--output", required=True, metavar="FILE", help="module to write")
    gen.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 if FILE is not what would be written")
    cache = sub.add_parser("cache", help="the disk cache of generated derivatives")
    cache.add_argument("action", choices=["info", "clear"])
    return parser


def _command_line(args) -> str:
    parts = ["srcad", "generate", args.target]
    if args.wrt is not None:
        parts += ["--wrt", args.wrt]
    if args.mode != "rev":
        parts += ["--mode", args.mode]
    if args.name is not None:
        parts += ["--name", args.name]
    return " ".join(parts + ["-o", args.output])


def _generate(args) -> int:
    from . import aot
    fn = load_target(args.target)
    command = _command_line(args)
    options = dict(wrt=parse_wrt(args.wrt), mode=args.mode, name=args.name, command=command)
    if args.check:
        if aot.is_fresh(args.output, fn, **options):
            return 0
        reason = "does not exist" if not pathlib.Path(args.output).exists() else "is stale"
        print(f"srcad: {args.output} {reason}; run: {command}", file=sys.stderr)
        return 1
    aot.generate(fn, args.output, **options)
    print(f"srcad: wrote {args.output}", file=sys.stderr)
    return 0


def _cache(args) -> int:
    from . import diskcache
    if args.action == "clear":
        removed = diskcache.clear()
        print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} from "
              f"{diskcache.info()['dir']}")
        return 0
    info = diskcache.info()
    for key, value in info.items():
        print(f"{key}: {value}")
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from . import api
    try:
        if args.command == "show":
            api.show(load_target(args.target), wrt=parse_wrt(args.wrt), mode=args.mode)
        elif args.command == "generate":
            return _generate(args)
        else:
            return _cache(args)
    except SrcadError as exc:
        print(f"srcad: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
