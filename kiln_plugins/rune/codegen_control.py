"""Code generation for control flow: blocks, ``if``, ``match``, loops, jumps and closures.

A part of :class:`codegen.Generator` (mixed in). Loops tick the budget at their back-edge;
jumps to the innermost loop are Python ``break``/``continue``, jumps across loops raise an
internal signal caught by the target loop; closures are nested Python functions whose
keyword-only defaults hold the captured values (Rune copies captures at creation).
"""

from __future__ import annotations

from . import ast as A
from .codegen import TICK, Fn, Loop, _WANT_TYPES, _simple


class ControlGen:
    """Control-flow half of the generator."""

    # control flow ------------------------------------------------------------
    def x_Block(self, e: A.Block, want: bool = True) -> str:
        return self.block(e, want)

    def x_If(self, e: A.If, want: bool = True) -> str:
        self.at(e)
        result = self.fresh() if want else None
        self._if(e, result)
        return result or "UNIT_"

    def _if(self, e: A.If, result) -> None:
        if isinstance(e.cond, A.LetCond):
            self.fn.vars.append({})
            subj = self.fresh()
            self.emit(f"{subj} = {self.expr(e.cond.value)}")
            c = self.pattern(e.cond.pattern, subj)
        else:
            self.fn.vars.append({})
            c = self.cond(e.cond)
        self.emit(f"if {c}:")
        self.lvl += 1
        self.branch(e.then, result)
        self.fn.vars.pop()
        self.lvl -= 1
        if e.else_ is None:
            if result == "return":
                self.note_return(None)
                self.emit("else:\n    return UNIT_")
            elif result:
                self.emit(f"else:\n    {result} = UNIT_")
            return
        self.emit("else:")
        self.lvl += 1
        if isinstance(e.else_, A.If):
            self.at(e.else_)
            self._if(e.else_, result)
        else:
            self.branch(e.else_, result)
        self.lvl -= 1

    def branch(self, body, result) -> None:
        mark = self.capture()
        if result == "return":
            if not isinstance(body, A.Block):
                body = A.Block(body.line, body.col, (), body)
            self.fn_body(body)
            return
        if isinstance(body, A.Block):
            v = self.block(body, want=result is not None)
        else:
            v = self.expr(body, want=result is not None) if isinstance(body, tuple(_WANT_TYPES)) \
                else self.expr(body)
        if result:
            self.emit(f"{result} = {v}")
        elif not _simple(v):
            self.emit(v)
        if len(self.lines) == mark:
            self.emit("pass")

    def x_Match(self, e: A.Match, want: bool = True, result=None) -> str:
        self.at(e)
        subj = self.fresh()
        self.emit(f"{subj} = {self.expr(e.expr)}")
        if result is None:
            result = self.fresh() if want else None
        depth = 0
        first = True
        for arm in e.arms:
            self.at(arm)
            self.fn.vars.append({})
            mark = self.capture()
            c = self.pattern(arm.pattern, subj)
            if arm.guard is not None:
                c = f"({c}) and {self.cond(arm.guard)}"
            pre = self.take(mark)
            if pre and not first:
                self.emit("else:")
                self.lvl += 1
                depth += 1
                first = True
                pre = [("    " + c, p) for c, p in pre]
            self.splice(pre)
            self.emit(f"{'if' if first else 'elif'} {c}:")
            first = False
            self.lvl += 1
            self.branch(arm.body, result)
            self.lvl -= 1
            self.fn.vars.pop()
        if result:
            fallback = "return UNIT_" if result == "return" else f"{result} = UNIT_"
            if result == "return":
                self.note_return(None)
            if first:
                self.emit(fallback)
            else:
                self.emit(f"else:\n    {fallback}")
        self.lvl -= depth
        return result or "UNIT_"

    def new_loop(self, label, want: bool, is_block: bool = False) -> Loop:
        self.loop_ids += 1
        lp = Loop(label, self.fresh() if want else None, self.loop_ids, is_block)
        if lp.result:
            self.emit(f"{lp.result} = UNIT_")
        self.fn.loops.append(lp)
        return lp

    def loop_frame(self, lp: Loop, body_lines: tuple, header: str, tick: bool = True) -> None:
        """Emit ``header`` + tick + body, wrapped for far breaks/continues when needed.

        The back-edge tick counts in a local and charges the budget every 1024 iterations
        (and once after the loop), which costs a third of a global decrement per iteration.
        """
        base = self.lvl
        k = self.fresh("k_")
        if tick:
            self.emit(f"{k} = 0")
        if lp.far_break:
            self.emit("try:")
            self.lvl += 1
        self.emit(header)
        self.lvl += 1
        if tick:
            self.emit(f"{k} += 1\nif {k} > 1023: {k} = TICKN_({k})")
        body_lines, lvl0 = body_lines
        if lp.far_continue:
            self.emit("try:")
            self.splice_at(body_lines, self.lvl + 1, lvl0)
            self.emit(f"except CONT_ as {self.fresh('x_')}:")
            self.lvl += 1
            x = f"x_{self.counter}"
            self.emit(f"if JUMPID_({x}) != {lp.ident}: raise")
            self.lvl -= 1
        else:
            self.splice_at(body_lines, self.lvl, lvl0)
        self.lvl = base
        if lp.far_break:
            x = self.fresh("x_")
            self.emit(f"except BRK_ as {x}:")
            self.emit(f"    if JUMPID_({x}) != {lp.ident}: raise")
            if lp.result:
                self.emit(f"    {lp.result} = JUMPVAL_({x})")
        if tick:
            self.emit(f"if {k}: TICKN_({k})")

    def splice_at(self, got, lvl, lvl0) -> None:
        """Re-indent captured lines (captured at level ``lvl0``) to level ``lvl``."""
        pad = "    " * (lvl - lvl0) if lvl >= lvl0 else None
        for code, place in got:
            self.lines.append(pad + code if pad is not None else code[4 * (lvl0 - lvl):])
            self.linemap.append(place)

    def loop_body(self, body: A.Block, pre_bind=None) -> list:
        """Capture the lines of a loop body compiled two levels deeper than now."""
        lvl0 = self.lvl
        mark = self.capture()
        self.fn.vars.append({})
        if pre_bind:
            pre_bind()
        self.block(body, want=False)
        self.fn.vars.pop()
        got = self.take(mark)
        if not got:
            got = [("    " * lvl0 + "pass", self.place)]
        return got, lvl0

    def x_Loop(self, e: A.Loop, want: bool = True) -> str:
        self.at(e)
        lp = self.new_loop(e.label, want)
        body = self.loop_body(e.body)
        self.fn.loops.pop()
        self.at(e)
        self.loop_frame(lp, body, "while True:")
        return lp.result or "UNIT_"

    def x_While(self, e: A.While, want: bool = True) -> str:
        self.at(e)
        lp = self.new_loop(e.label, want)
        if not isinstance(e.cond, A.LetCond):
            mark = self.capture()
            self.fn.vars.append({})
            c = self.cond(e.cond)
            self.fn.vars.pop()
            if not self.take(mark):
                body = self.loop_body(e.body)
                self.fn.loops.pop()
                self.at(e)
                self.loop_frame(lp, body, f"while {c}:")
                return lp.result or "UNIT_"

        def pre():
            if isinstance(e.cond, A.LetCond):
                subj = self.fresh()
                self.emit(f"{subj} = {self.expr(e.cond.value)}")
                c = self.pattern(e.cond.pattern, subj)
            else:
                c = self.cond(e.cond)
            self.emit(f"if not ({c}): break")
        body = self.loop_body(e.body, pre)
        self.fn.loops.pop()
        self.at(e)
        self.loop_frame(lp, body, "while True:")
        return lp.result or "UNIT_"

    def x_For(self, e: A.For, want: bool = True) -> str:
        self.at(e)
        r = e.iter
        int_item = False
        if isinstance(r, A.Range) and r.start is not None and r.end is not None:
            int_item = self.int_typed(r.start) and self.int_typed(r.end)
            a, b = self.exprs([r.start, r.end])
            a, b, pre = self.simple2(a, b)
            stop = f"{b} + 1" if r.inclusive else b
            if int_item and not pre:
                it = f"TRANGE_({a}, {stop})"  # ticks charged per chunk of the range
            else:
                it = (f"(range({a}, {stop}) if {pre}{self.int_test(a, b)} "
                      f"else ITER_(RANGE_({a}, {b}, {r.inclusive})))")
        else:
            it = f"ITER_({self.expr(e.iter)})"
        lp = self.new_loop(e.label, want)
        item = self.fresh()

        def bind():
            pat = e.pattern
            if isinstance(pat, A.PBind) and not self.is_path_pattern(pat):
                self.fn.vars[-1][pat.name] = item
                self.origin[item] = id(pat)
                self.record(item, int_item)
            elif not isinstance(pat, A.PWild):
                self.let_pattern(pat, item)
        body = self.loop_body(e.body, bind)
        self.fn.loops.pop()
        self.at(e)
        self.loop_frame(lp, body, f"for {item} in {it}:", tick=not it.startswith("TRANGE_("))
        return lp.result or "UNIT_"

    def labelled_block(self, b: A.Block, want: bool) -> str:
        lp = self.new_loop(b.label, want, is_block=True)
        lp.far_break = True
        inner = A.Block(b.line, b.col, b.stmts, b.tail, None)
        self.emit("try:")
        self.lvl += 1
        v = self.block(inner, want)
        if lp.result:
            self.emit(f"{lp.result} = {v}")
        else:
            self.emit("pass")
        self.lvl -= 1
        self.fn.loops.pop()
        x = self.fresh("x_")
        self.emit(f"except BRK_ as {x}:")
        self.emit(f"    if JUMPID_({x}) != {lp.ident}: raise")
        if lp.result:
            self.emit(f"    {lp.result} = JUMPVAL_({x})")
        return lp.result or "UNIT_"

    def find_loop(self, label, e, is_continue: bool):
        loops = self.fn.loops
        if not loops:
            raise self.error(f"`{'continue' if is_continue else 'break'}` outside of a loop", e)
        innermost = next((lp for lp in reversed(loops) if not lp.is_block), None)
        if label is None:
            if innermost is None:
                raise self.error("`break` outside of a loop", e)
            return innermost, True
        for lp in reversed(loops):
            if lp.label == label:
                if is_continue and lp.is_block:
                    raise self.error(f"cannot continue labelled block '{label}", e)
                direct = lp is innermost and not any(x.is_block for x in loops[loops.index(lp) + 1:])
                return lp, direct
        raise self.error(f"no loop labelled '{label}", e)

    def x_Break(self, e: A.Break) -> str:
        self.at(e)
        lp, direct = self.find_loop(e.label, e, False)
        val = self.expr(e.value) if e.value is not None else "UNIT_"
        if direct:
            if lp.result:
                self.emit(f"{lp.result} = {val}")
            elif not _simple(val):
                self.emit(val)
            self.emit("break")
        else:
            lp.far_break = True
            self.emit(f"raise BRK_({lp.ident}, {val})")
        return "UNIT_"

    def x_Continue(self, e: A.Continue) -> str:
        self.at(e)
        lp, direct = self.find_loop(e.label, e, True)
        if direct:
            self.emit("continue")
        else:
            lp.far_continue = True
            self.emit(f"raise CONT_({lp.ident}, UNIT_)")
        return "UNIT_"

    def x_Return(self, e: A.Return) -> str:
        self.at(e)
        self.note_return(e.value)
        val = self.expr(e.value) if e.value is not None else "UNIT_"
        self.emit(f"return {val}")
        return "UNIT_"

    # closures ----------------------------------------------------------------
    def x_Closure(self, e: A.Closure) -> str:
        self.at(e)
        outer = self.fn
        name = self.fresh("c_")
        self.fn = Fn(outer.scope, outer=outer, is_closure=True)
        mark = self.capture()
        self.lvl += 1
        params = self.params(e.params)
        self.emit("global B_\n" + TICK)
        self.bind_params(params)
        body = e.body if isinstance(e.body, A.Block) else A.Block(e.line, e.col, (), e.body)
        self.fn_body(body)
        self.lvl -= 1
        got = self.take(mark)
        caps = list(self.fn.captures)
        self.fn = outer
        plist = [p for p, _ in params]
        if caps:
            plist.append("*")
            plist.extend(f"{c}={c}" for c in caps)
        self.at(e)
        self.emit(f"def {name}({', '.join(plist)}):")
        self.splice(got)
        return f"FN_({self.const(('fname', 'closure'))}, {name})"
