"""Rules of Python builtins on numbers, arrays and lists: sum, max, min, float."""

from . import Arr, Case, defrule

defrule("sum", "iterable, start=0",
        vjp="""
            biterable += unsum(by, iterable)
            bstart += by
        """,
        jvp="""
            dy += sum(diterable)
            dy += dstart
        """,
        cases=(Case([Arr(), Arr(), Arr()]), Case([Arr(3), Arr(3)]), Case(Arr(4)),
               Case(Arr(2, 3)), Case([Arr(), Arr()], Arr())))

defrule("max", "*args",
        vjp="bargs += extremum_args(by, args, True)",
        jvp="dy += extremum_tangent(dargs, args, True)",
        cases=(Case(Arr(domain="distinct"), Arr(domain="distinct")),
               Case([Arr(domain="distinct"), Arr(domain="distinct"), Arr(domain="distinct")]),
               Case(Arr(5, domain="distinct"))))

defrule("min", "*args",
        vjp="bargs += extremum_args(by, args, False)",
        jvp="dy += extremum_tangent(dargs, args, False)",
        cases=(Case(Arr(domain="distinct"), Arr(domain="distinct")),
               Case([Arr(domain="distinct"), Arr(domain="distinct"), Arr(domain="distinct")]),
               Case(Arr(5, domain="distinct"))))

defrule("float", "x", vjp="bx += by", jvp="dy += dx", cases=(Case(Arr()),))
