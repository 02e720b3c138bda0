"""Code generation for patterns: a Python condition that tests and binds (walrus) a subject.

A part of :class:`codegen.Generator` (mixed in). Struct and variant patterns are checked
against the declared fields at compile time; runtime helpers (``SEQP_``, ``OBJP_``,
``FIELDSP_``, ``WRAPP_``, ``NATP_``) return the parts to match or None.
"""

from __future__ import annotations

from . import ast as A
from .resolver import TYPE_NAMES, Sym


class PatternGen:
    """Pattern half of the generator."""

    # patterns ----------------------------------------------------------------
    def is_path_pattern(self, p: A.PBind) -> bool:
        """A single-name pattern that names a unit struct/variant/const, not a binding."""
        if p.name in ("None",):
            return self.lookup_var(p.name) is None
        if not p.name[:1].isupper():
            return False
        sym = self.items.lookup_first(self.fn.scope, p.name, p)
        if sym is not None and sym.kind == "native":
            return sym.pyname.split("::")[-1] in TYPE_NAMES
        return sym is not None and sym.kind in ("struct", "variant", "const")

    def pattern(self, p, s: str) -> str:
        """A Python condition testing subject name ``s`` against ``p``, binding with walrus."""
        if isinstance(p, A.PWild):
            return "True"
        if isinstance(p, A.PBind):
            if self.is_path_pattern(p):
                return self.pattern(A.PPath(p.line, p.col, (p.name,)), s)
            py = self.bind(p.name)
            return f"(({py} := {s}) is {py})"
        if isinstance(p, A.PBindAt):
            inner = self.pattern(p.pattern, s)
            py = self.bind(p.name)
            return f"({inner} and (({py} := {s}) is {py}))"
        if isinstance(p, A.PLit):
            k, v = p.kind, p.value
            if k in ("int", "byte"):
                return f"(type({s}) is int and {s} == {v})"
            if k == "float":
                return f"(type({s}) is float and {s} == {v!r})"
            if k == "bool":
                return f"({s} is {v})"
            if k == "str":
                return f"STREQ_({s}, {self.const(v)})"
            if k == "char":
                return f"EQ_({s}, {self.const(('char', v))})"
            return f"EQ_({s}, BY_({self.const(v)}))"
        if isinstance(p, A.PSeq):
            t = self.fresh()
            nb, na = len(p.before), len(p.after)
            parts = [f"({t} := SEQP_({s}, {p.kind!r}, {nb + na}, {p.rest})) is not None"]
            for i, sub in enumerate(p.before):
                parts.append(self.sub_pattern(sub, f"{t}[{i}]"))
            for i, sub in enumerate(p.after):
                parts.append(self.sub_pattern(sub, f"{t}[{i - na}]"))
            return "(" + " and ".join(x for x in parts if x != "True") + ")"
        if isinstance(p, A.PObject):
            t = self.fresh()
            keys = tuple(k for k, _ in p.fields)
            if p.path is None:
                head = f"({t} := OBJP_({s}, {keys!r}, {p.rest})) is not None"
            else:
                sym = self.pattern_type(p.path, p)
                if sym.kind == "native":
                    head = f"({t} := NATP_({s}, {self.const(('type', sym.pyname))}, {keys!r})) is not None"
                else:
                    fields = sym.node.fields if sym.kind == "struct" else sym.extra[2]
                    for k in keys:
                        if k not in fields:
                            raise self.error(f"`{'::'.join(p.path)}` has no field `{k}`", p)
                    if not p.rest and set(keys) != set(fields) and fields:
                        raise self.error(f"pattern does not mention all fields of `{'::'.join(p.path)}`"
                                         f" (add `..`)", p)
                    head = f"({t} := FIELDSP_({s}, {sym.pyname})) is not None"
            parts = [head] + [self.sub_pattern(sub, f"{t}[{k!r}]") for k, sub in p.fields]
            return "(" + " and ".join(x for x in parts if x != "True") + ")"
        if isinstance(p, A.PTupleStruct):
            t = self.fresh()
            path = p.path
            seq = p.items
            n = len(seq.before) + len(seq.after)
            if path in (("Some",), ("Ok",), ("Err",)) and self.items.lookup_first(
                    self.fn.scope, path[0], p) is None:
                head = f"({t} := WRAPP_({s}, {path[0]!r})) is not None"
                declared = 1
            else:
                sym = self.pattern_type(path, p)
                if sym.kind == "native":
                    head = f"({t} := NATTP_({s}, {self.const(('type', sym.pyname))})) is not None"
                    declared = None
                else:
                    declared = len(sym.node.fields if sym.kind == "struct" else sym.extra[2])
                    head = f"({t} := FIELDSP_({s}, {sym.pyname})) is not None"
            if declared is not None and (n > declared or (n != declared and not seq.rest)):
                raise self.error(f"`{'::'.join(path)}` has {declared} fields, pattern has {n}", p)
            parts = [head]
            if declared is None:
                parts.append(f"len({t}) {'>=' if seq.rest else '=='} {n}")
            for i, sub in enumerate(seq.before):
                parts.append(self.sub_pattern(sub, f"{t}[{i}]"))
            for i, sub in enumerate(seq.after):
                parts.append(self.sub_pattern(sub, f"{t}[{i - len(seq.after)}]"))
            return "(" + " and ".join(x for x in parts if x != "True") + ")"
        if isinstance(p, A.PPath):
            if p.path == ("None",) and self.items.lookup_first(self.fn.scope, "None", p) is None:
                return f"({s} is NONE_)"
            sym = self.pattern_type(p.path, p)
            if sym.kind == "const":
                return f"EQ_({s}, {sym.pyname}())"
            if sym.kind == "native":
                return f"(NATTP_({s}, {self.const(('type', sym.pyname))}) is not None)"
            return f"(FIELDSP_({s}, {sym.pyname}) is not None)"
        raise self.error("unsupported pattern", p)

    def sub_pattern(self, p, subject: str) -> str:
        if isinstance(p, A.PWild):
            return "True"
        if isinstance(p, A.PBind) and not self.is_path_pattern(p):
            py = self.bind(p.name)
            return f"(({py} := {subject}) is {py})"
        t = self.fresh()
        return f"(({t} := {subject}) is {t} and {self.pattern(p, t)})"

    def pattern_type(self, path, p) -> Sym:
        sym = self.resolve(path, p)
        if sym.kind in ("struct", "variant", "native", "const"):
            return sym
        raise self.error(f"`{'::'.join(path)}` cannot be used in a pattern", p)
