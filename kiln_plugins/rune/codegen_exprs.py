"""Code generation for expressions: literals, names, operators, access, calls and macros.

A part of :class:`codegen.Generator` (mixed in). Ints get inline checked fast paths; every
other operation is a call to a runtime name (``ADD_``, ``FGET_``, ``CM_``…), never a Python
attribute access. Format strings are checked here (a literal, or a constant expression).
"""

from __future__ import annotations

import math

from . import ast as A
from .codegen import (ARITH, COMPARE, I64_MAX, I64_MIN, _FMT_NAME, _LIST_FAST, _const_str,
                      _int_lit, _simple)
from .resolver import TYPE_NAMES, Sym


def _nesting(code: str) -> int:
    """Deepest parenthesis nesting in generated ``code``."""
    depth = deepest = 0
    for ch in code:
        if ch in "([{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in ")]}":
            depth -= 1
    return deepest


class ExprGen:
    """Expression half of the generator."""

    # literals --------------------------------------------------------------
    def x_Lit(self, e: A.Lit) -> str:
        k, v = e.kind, e.value
        if k == "int" or k == "byte":
            if not I64_MIN <= v <= I64_MAX:
                raise self.error("integer literal out of range", e)
            return f"({v})" if v < 0 else str(v)
        if k == "float":
            if math.isfinite(v):
                return f"({v!r})" if v < 0 or v != v else repr(v)
            return self.const(v)
        if k == "bool":
            return "True" if v else "False"
        if k == "str":
            return f"RS_({self.const(v)})"
        if k == "char":
            return self.const(("char", v))
        if k == "bytes":
            return f"BY_({self.const(v)})"
        raise self.error(f"unknown literal {k}", e)

    def x_Template(self, e: A.Template) -> str:
        exprs = [p for p in e.parts if not isinstance(p, str)]
        ints = iter([self.int_typed(p) for p in exprs])
        it = iter(self.exprs(exprs))
        args = [self.const(p) if isinstance(p, str) else
                (f"str({next(it)})" if next(ints) else f"DISP_({next(it)})") for p in e.parts]
        if len(args) == 1:
            return f"RS_({args[0]})"
        return f"CAT_({', '.join(args)})"

    # names -----------------------------------------------------------------
    def x_Path(self, e: A.Path) -> str:
        if len(e.segments) == 1:
            py = self.lookup_var(e.segments[0])
            if py is not None:
                return py
        sym = self.resolve(e.segments, e)
        return self.sym_value(sym, e)

    def sym_value(self, sym: Sym, e) -> str:
        k = sym.kind
        if k == "fn":
            return f"FN_({self.const(('fname', sym.node.name))}, {sym.pyname})"
        if k == "const":
            return f"{sym.pyname}()"
        if k == "struct":
            if sym.node.kind == "unit":
                return f"NEWU_({sym.pyname})"
            return sym.pyname
        if k == "enum":
            return sym.pyname
        if k == "variant":
            return f"VUNIT_({sym.pyname})" if sym.extra[1] == "unit" else f"VCTOR_({sym.pyname})"
        if k == "native":
            return self.native(sym.pyname, e, value=True)
        raise self.error(f"`{sym.pyname}` is not a value", e)

    def native(self, path: str, e, value: bool = False) -> str:
        segs = tuple(path.split("::"))
        for n in range(len(segs) - 1, 0, -1):
            mod = self.host_modules.get(segs[:n])
            if mod is not None and n == len(segs) - 1:
                py = self.fresh("H_")
                self.hosts[py] = (mod, segs[-1])
                return py
        py = self.fresh("N_")
        self.natives[py] = (path, (self.path, e.line + self.first - 1, e.col), value)
        return py

    # operators -------------------------------------------------------------
    def x_Unary(self, e: A.Unary) -> str:
        v = self.expr(e.operand)
        return f"NEG_({v})" if e.op == "-" else f"NOT_({v})"

    def x_Binary(self, e: A.Binary) -> str:
        op = e.op
        if op in ("&&", "||"):
            return self.cond(e)
        ints = self.int_typed(e.left) and self.int_typed(e.right)
        a, b = self.exprs([e.left, e.right])
        if _nesting(a) > 24:  # long operator chains: keep Python's parser nesting bounded
            t = self.fresh()
            self.emit(f"{t} = {a}")
            a = t
        if op in COMPARE:
            if ints:
                return f"({a} {op} {b})"
            a, b, pre = self.simple2(a, b)
            return f"(({a} {op} {b}) if {pre}{self.int_test(a, b)} else {COMPARE[op]}({a}, {b}))"
        if op in ("+", "-", "*"):
            if ints:  # no type test, so each operand is evaluated once, inline
                return self.arith_fast(op, a if _simple(a) else f"({a})",
                                       b if _simple(b) else f"({b})", "", True)
            a, b, pre = self.simple2(a, b)
            return self.arith_fast(op, a, b, pre, ints)
        if op in ("/", "%"):
            # Python's floor division agrees with Rust's truncation for a >= 0 and b > 0.
            a, b, pre = self.simple2(a, b)
            pyop = "//" if op == "/" else "%"
            test = f"{a} >= 0 < {b}" if ints else f"{self.int_test(a, b)} and {a} >= 0 < {b}"
            return f"(({a} {pyop} {b}) if {pre}{test} else {ARITH[op]}({a}, {b}))"
        return f"{ARITH[op]}({a}, {b})"

    def arith_fast(self, op: str, a: str, b: str, pre: str = "", ints: bool = False,
                   slow: str | None = None) -> str:
        """Inline checked i64 ``a op b`` for simple operands, falling back to ops."""
        r = self.fresh("r_")
        check = f"{I64_MIN} <= ({r} := {a} {op} {b}) <= {I64_MAX}"
        if _int_lit(b) and int(b.strip("()")) >= 0 and op in ("+", "-"):
            check = f"({r} := {a} {op} {b}) {'<=' if op == '+' else '>='} " \
                    f"{I64_MAX if op == '+' else I64_MIN}"
        if ints:
            return f"({pre}{r} if {check} else OVF_())" if not pre else \
                f"(({r} if {check} else OVF_()) if {pre}True else 0)"
        return (f"(({r} if {check} else OVF_())"
                f" if {pre}{self.int_test(a, b)} else {slow or ARITH[op]}({a}, {b}))")

    def simple2(self, a: str, b: str):
        """Make both operands safe to evaluate twice (walrus temps)."""
        pre = ""
        if not _simple(a):
            t = self.fresh()
            pre += f"({t} := {a}) is {t} and "
            a = t
        if not _simple(b):
            t = self.fresh()
            pre += f"({t} := {b}) is {t} and "
            b = t
        return a, b, pre

    @staticmethod
    def int_test(a: str, b: str) -> str:
        if _int_lit(a) and _int_lit(b):
            return "True"
        if _int_lit(a):
            return f"type({b}) is int"
        if _int_lit(b) or a == b:
            return f"type({a}) is int"
        return f"type({a}) is type({b}) is int"

    def cond(self, e) -> str:
        """A Python expression that is True/False, raising when ``e`` is not a bool."""
        if isinstance(e, A.Binary) and e.op in ("&&", "||"):
            left = self.cond(e.left)
            mark = self.capture()
            right = self.cond(e.right)
            got = self.take(mark)
            if not got:
                return f"({left} {'and' if e.op == '&&' else 'or'} {right})"
            t = self.fresh()
            self.emit(f"{t} = {left}")
            self.emit(f"if {'' if e.op == '&&' else 'not '}{t}:")
            self.lvl += 1
            self.splice([("    " + c, p) for c, p in got])
            self.emit(f"{t} = {right}")
            self.lvl -= 1
            return t
        if isinstance(e, A.Unary) and e.op == "!":
            inner = self.expr(e.operand)
            t = self.fresh()
            return f"((not {t}) if type({t} := {inner}) is bool else NOT_({t}))"
        if isinstance(e, A.Binary) and e.op in COMPARE:
            return self.expr(e)
        if isinstance(e, A.Lit) and e.kind == "bool":
            return "True" if e.value else "False"
        if isinstance(e, A.Is):
            return self.expr(e)
        v = self.expr(e)
        t = self.fresh()
        return f"(({t} := {v}) is True or ({t} is not False and NB_({t})))"

    def x_Assign(self, e: A.Assign) -> str:
        self.at(e)
        t = e.target
        if isinstance(t, A.Path):
            if len(t.segments) != 1 or self.lookup_var(t.segments[0]) is None:
                raise self.error(f"cannot assign to `{'::'.join(t.segments)}`", e)
            py = self.lookup_var(t.segments[0])
            is_int = self.int_typed(e.value) and (e.op == "=" or (
                e.op[:-1] in ARITH and self.is_int_var(py)))
            both = self.int_typed(e.value) and self.is_int_var(py)
            val = self.expr(e.value)
            if e.op != "=":
                val = self.binop(e.op[:-1], py, val, e, both, compound=True)
            self.record(py, is_int, e.op == "=" and self.list_typed(e.value))
            self.emit(f"{py} = {val}")
            return "UNIT_"
        if isinstance(t, A.Field):
            obj, val = self.exprs([t.obj, e.value])
            key = repr(t.name)
            get, put = f"FGET_({{o}}, {key})", f"FSET_({{o}}, {key}, {{v}})"
        elif isinstance(t, A.TupleIndex):
            obj, val = self.exprs([t.obj, e.value])
            get, put = f"TGET_({{o}}, {t.index})", f"TSET_({{o}}, {t.index}, {{v}})"
        else:
            int_index = self.int_typed(t.index)
            is_list = self.list_typed(t.obj)
            obj, idx, val = self.exprs([t.obj, t.index, e.value])
            for name in ("obj", "idx", "val"):
                code = locals()[name]
                if not _simple(code):
                    tmp = self.fresh()
                    self.emit(f"{tmp} = {code}")
                    if name == "obj":
                        obj = tmp
                    elif name == "idx":
                        idx = tmp
                    else:
                        val = tmp
            o, i = obj, idx
            itest = "" if int_index else f"type({i}) is int and "
            ltest = "" if is_list else f"type({o}) is list and "
            get = (f"({o}[{i}] if {ltest}{itest}0 <= {i} < len({o})"
                   f" else IGET_({o}, {i}))")
            if e.op != "=":
                val = self.binop(e.op[:-1], get, val, e, compound=True)
                if not _simple(val):
                    tmp = self.fresh()
                    self.emit(f"{tmp} = {val}")
                    val = tmp
            # A list store with a non-negative int index fails exactly when the index is past
            # the end, which Python reports as IndexError; a zero-cost try beats testing len()
            # on every store. Operands are simple names here, so nothing else can raise inside.
            self.emit(f"if {ltest}{itest}{i} >= 0:\n"
                      f"    try: {o}[{i}] = {val}\n"
                      f"    except IDXERR_: ISET_({o}, {i}, {val})\n"
                      f"else: ISET_({o}, {i}, {val})")
            return "UNIT_"
        if e.op != "=":
            if not _simple(obj):
                to = self.fresh()
                self.emit(f"{to} = {obj}")
                obj = to
            if not _simple(val):
                tv = self.fresh()
                self.emit(f"{tv} = {val}")
                val = tv
            val = self.binop(e.op[:-1], get.format(o=obj), val, e, compound=True)
        self.emit(put.format(o=obj, v=val))
        return "UNIT_"

    def binop(self, op: str, a: str, b: str, e, ints: bool = False, compound=False) -> str:
        """``a op b`` for compound assignment (``+=`` grows a String in place)."""
        slow = "ADDA_" if compound and op == "+" else None
        if op in ("+", "-", "*") and _simple(a) and _simple(b):
            return self.arith_fast(op, a, b, ints=ints, slow=slow)
        if slow:
            return f"{slow}({a}, {b})"
        return f"{ARITH[op]}({a}, {b})"

    def x_Is(self, e: A.Is) -> str:
        v = self.expr(e.expr)
        typ = self.type_ref(e.type, e)
        return f"{'not ' if e.negated else ''}IS_({v}, {typ})"

    def type_ref(self, path, e) -> str:
        if len(path) == 1 and path[0] in TYPE_NAMES and self.items.lookup_first(
                self.fn.scope, path[0], e) is None:
            return f"TYPE_({self.const(('type', path[0]))})"
        sym = self.resolve(path, e)
        if sym.kind in ("struct", "enum"):
            return sym.pyname
        if sym.kind == "variant":
            return sym.pyname
        if sym.kind == "native":
            return f"TYPE_({self.const(('type', sym.pyname))})"
        raise self.error(f"`{'::'.join(path)}` is not a type", e)

    def x_As(self, e: A.As) -> str:
        v = self.expr(e.expr)
        return f"AS_({v}, {self.const(('type', '::'.join(e.type)))})"

    def x_Range(self, e: A.Range) -> str:
        parts = [p for p in (e.start, e.end) if p is not None]
        vals = iter(self.exprs(parts))
        start = next(vals) if e.start is not None else "None"
        end = next(vals) if e.end is not None else "None"
        return f"RANGE_({start}, {end}, {e.inclusive})"

    def x_TupleLit(self, e: A.TupleLit) -> str:
        if not e.items:
            return "UNIT_"
        return f"TUP_([{', '.join(self.exprs(e.items))}])"

    def x_VecLit(self, e: A.VecLit) -> str:
        return f"VEC_([{', '.join(self.exprs(e.items))}])"

    def x_ObjectLit(self, e: A.ObjectLit) -> str:
        vals = self.exprs([v for _, v in e.entries])
        pairs = ", ".join(f"{k!r}: {v}" for (k, _), v in zip(e.entries, vals))
        keys = [k for k, _ in e.entries]
        if len(set(keys)) != len(keys):
            raise self.error("duplicate key in object literal", e)
        if e.path is None:
            return f"OBJ_({{{pairs}}})"
        sym = self.resolve(e.path, e)
        if sym.kind == "struct" and sym.node.kind == "named":
            fields = sym.node.fields
            ctor = f"NEWN_({sym.pyname}, {{{pairs}}})"
        elif sym.kind == "variant" and sym.extra[1] == "named":
            fields = sym.extra[2]
            ctor = f"NEWVN_({sym.pyname}, {{{pairs}}})"
        else:
            raise self.error(f"`{'::'.join(e.path)}` is not a struct with named fields", e)
        missing = [f for f in fields if f not in keys]
        extra = [k for k in keys if k not in fields]
        if missing:
            raise self.error(f"missing field `{missing[0]}` in `{'::'.join(e.path)}`", e)
        if extra:
            raise self.error(f"`{'::'.join(e.path)}` has no field `{extra[0]}`", e)
        return ctor

    # access ----------------------------------------------------------------
    def x_Field(self, e: A.Field) -> str:
        return f"FGET_({self.expr(e.obj)}, {e.name!r})"

    def x_TupleIndex(self, e: A.TupleIndex) -> str:
        return f"TGET_({self.expr(e.obj)}, {e.index})"

    def x_Index(self, e: A.Index) -> str:
        int_index = self.int_typed(e.index)
        ltest = "" if self.list_typed(e.obj) else "type({o}) is list and "
        obj, idx = self.exprs([e.obj, e.index])
        o, i, pre = self.simple2(obj, idx)
        itest = "" if int_index else f"type({i}) is int and "
        return (f"({o}[{i}] if {pre}{ltest.format(o=o)}{itest}0 <= {i} < len({o})"
                f" else IGET_({o}, {i}))")

    def x_Try(self, e: A.Try) -> str:
        self.at(e)
        self.note_return(None)
        v = self.expr(e.expr)
        t = self.fresh()
        self.emit(f"{t} = {v}\nif TRYSTOP_({t}):")
        self.lvl += 1
        self.emit(f"return TRYOUT_({t})")
        self.lvl -= 1
        return f"TRYVAL_({t})"

    # calls -----------------------------------------------------------------
    def x_Call(self, e: A.Call) -> str:
        f = e.func
        if isinstance(f, A.Path) and not (len(f.segments) == 1 and self.lookup_var(f.segments[0])):
            sym = self.resolve(f.segments, f)
            args = self.exprs(e.args)
            self.at(e)
            joined = ", ".join(args)
            n = len(args)
            if sym.kind == "fn":
                want = len(sym.node.params)
                if n != want:
                    raise self.error(f"`{sym.node.name}` takes {want} argument"
                                     f"{'s' if want != 1 else ''}, {n} given", e)
                return f"{sym.pyname}({joined})"
            if sym.kind == "struct" and sym.node.kind == "tuple":
                if n != len(sym.node.fields):
                    raise self.error(f"`{sym.node.name}` takes {len(sym.node.fields)} fields, {n} given", e)
                return f"NEWT_({sym.pyname}, [{joined}])"
            if sym.kind == "variant" and sym.extra[1] == "tuple":
                if n != len(sym.extra[2]):
                    raise self.error(f"`{sym.extra[0]}` takes {len(sym.extra[2])} fields, {n} given", e)
                return f"NEWVT_({sym.pyname}, [{joined}])"
            if sym.kind == "native":
                return f"{self.native(sym.pyname, f)}({joined})"
            callee = self.sym_value(sym, f)
            return f"CALL_({callee}, ({joined}{',' if n == 1 else ''}))"
        vals = self.exprs([f, *e.args])
        self.at(e)
        rest = vals[1:]
        return f"CALL_({vals[0]}, ({', '.join(rest)}{',' if len(rest) == 1 else ''}))"

    def x_MethodCall(self, e: A.MethodCall) -> str:
        vals = self.exprs([e.receiver, *e.args])
        self.at(e)
        args = vals[1:]
        tup = f"({', '.join(args)}{',' if len(args) == 1 else ''})"
        if e.generics:
            g = self.const(("generics", tuple("::".join(x) for x in e.generics)))
            return f"CMG_({vals[0]}, {e.name!r}, {tup}, {g})"
        fast = _LIST_FAST.get((e.name, len(args)))
        if fast is not None and self.list_typed(e.receiver):
            return fast.format(o=vals[0], a=", ".join(args))
        if fast is not None and _simple(vals[0]):
            o = vals[0]
            return f"({fast.format(o=o, a=', '.join(args))} if type({o}) is list else CM_({o}, {e.name!r}, {tup}))"
        if e.name == "push_str" and len(args) == 1:
            o, a, pre = self.simple2(vals[0], args[0])
            return (f"(PUSHSTR_({o}, {a}) if {pre}type({o}) is type({a}) is RS_ "
                    f"else CM_({o}, 'push_str', ({a},)))")
        return f"CM_({vals[0]}, {e.name!r}, {tup})"

    # macros ------------------------------------------------------------------
    def x_Macro(self, e: A.Macro) -> str:
        self.at(e)
        name = e.name
        if name in ("println", "print", "eprintln", "eprint", "format", "panic", "todo",
                    "unimplemented", "unreachable", "dbg"):
            if name == "dbg":
                vals = self.exprs(e.args)
                self.emit(f"PRINT_(FMT_({self.const('{:?}')}, ({vals[0]},), {{}}))" if vals else "PRINT_('')")
                return vals[0] if vals else "UNIT_"
            if not e.args:
                text = {"println": "FMT_('', (), {})", "panic": "FMT_('explicit panic', (), {})",
                        "todo": "FMT_('not yet implemented', (), {})",
                        "unimplemented": "FMT_('not implemented', (), {})",
                        "unreachable": "FMT_('internal error: entered unreachable code', (), {})"}.get(name, "FMT_('', (), {})")
            else:
                text = self.format_call(e.args, e)
            if name in ("println", "eprintln"):
                self.emit(f"PRINT_({text})")
                return "UNIT_"
            if name in ("print", "eprint"):
                self.emit(f"PRINTN_({text})")
                return "UNIT_"
            if name == "format":
                return f"RS_({text})"
            self.emit(f"PANIC_({text})")
            return "UNIT_"
        if name == "assert":
            if not e.args:
                raise self.error("assert! needs a condition", e)
            c = self.cond(e.args[0])
            self.emit(f"if not {c}:")
            self.lvl += 1
            msg = self.format_call(e.args[1:], e) if len(e.args) > 1 else \
                self.const("assertion failed: " + self.source_text(e, 0))
            self.emit(f"PANIC_({msg})")
            self.lvl -= 1
            return "UNIT_"
        if name in ("assert_eq", "assert_ne"):
            if len(e.args) < 2:
                raise self.error(f"{name}! needs two arguments", e)
            a, b = self.exprs(e.args[:2])
            msg = self.format_call(e.args[2:], e) if len(e.args) > 2 else "None"
            self.emit(f"{'ASSERTEQ_' if name == 'assert_eq' else 'ASSERTNE_'}({a}, {b}, {msg})")
            return "UNIT_"
        if name == "vec":
            return self.x_VecLit(A.VecLit(e.line, e.col, e.args))
        raise self.error(f"unknown macro `{name}!`", e)

    def format_call(self, args, e) -> str:
        folded = _const_str(args[0]) if args else None
        if folded is not None:
            args = (A.Lit(args[0].line, args[0].col, "str", folded),) + tuple(args[1:])
        if not args or not isinstance(args[0], A.Lit) or args[0].kind != "str":
            if len(args) == 1:
                v = self.expr(args[0])
                return f"DISP_({v})"
            raise self.error("format string must be a string literal", e)
        fmt = args[0].value
        pos, named_nodes = [], {}
        for a in args[1:]:
            if isinstance(a, A.Assign) and a.op == "=" and isinstance(a.target, A.Path) \
                    and len(a.target.segments) == 1:
                named_nodes[a.target.segments[0]] = a.value
            else:
                pos.append(a)
        for m in _FMT_NAME.finditer(fmt):
            n = m.group(1)
            if n not in named_nodes:
                named_nodes[n] = A.Path(e.line, e.col, (n,))
        vals = self.exprs(pos + list(named_nodes.values()))
        p = vals[:len(pos)]
        nm = ", ".join(f"{k!r}: {v}" for k, v in zip(named_nodes, vals[len(pos):]))
        return f"FMT_({self.const(fmt)}, ({', '.join(p)}{',' if len(p) == 1 else ''}), {{{nm}}})"
