"""One implementation per dispatched CTP function (the names in ``ctpx.functions.FUNCTIONS``).

Each entry of ``IMPLS`` takes the IR ``Call`` and the ``Compiler`` and returns what the call
compiles to: a constant string or a function ``f(fc, lv, tag) -> str``. Argument reading follows
ctp-semantics §2.2/§3 (raw, getArg, getParam); failures return each function's documented
fallback (``(args)``, ``@empty()``, ``null``) or stop the file (quarantine) where CTP does.
"""
from __future__ import annotations

from typing import Callable

from ..java import jtrim, parse_int
from ..script.ir import Call
from . import algorithms as alg
from . import outcomes as oc
from .context import FileCtx, Stop
from .evaluate import Compiler, run
from .jregex import JavaRegexError, full_match, replace_all
from .results import QUARANTINED, SKIPPED

IMPLS: dict[str, Callable] = {}

REMOVE, KEEP, EMPTY = "@remove()", "@keep()", "@empty()"


def impl(name: str):
    def deco(f):
        IMPLS[name] = f
        return f
    return deco


def _fallback(fc: FileCtx, text: str, tag: int, why: str) -> str:
    """A function failed: CTP writes its fallback text; safe mode stops instead."""
    if fc.safe:
        raise Stop(QUARANTINED, oc.SAFE_FUNCTION_FAILED, f"{why}: CTP would write {text!r}")
    fc.warn(oc.FUNCTION_FALLBACK, f"{why}; wrote {text!r}", tag)
    return text


def _regex_failed(e: Exception) -> Stop:
    return Stop(QUARANTINED, oc.EVALUATION_ERROR, f"bad regular expression: {e}")


# ------------------------------------------------------------------------------ control

@impl("always")
def _always(call: Call, c: Compiler):
    return ""


@impl("append")
def _append(call: Call, c: Compiler):
    clause = c.fn(call.clauses[0]) if call.clauses else (lambda fc, lv, tag: "")

    def f(fc, lv, tag):
        el = lv.elems.get(tag)
        add = clause(fc, lv, tag)
        if el is not None and el.items is None and len(el.value):
            # a non-empty value has at least one value (VM > 0), even when it reads as ""
            return (fc.string(lv, tag, el) or "") + "\\" + add
        return add
    return f


@impl("if")
def _if(call: Call, c: Compiler):
    then = c.value(call.clauses[0]) if call.clauses else ""
    other = c.value(call.clauses[1]) if len(call.clauses) > 1 else ""
    test = _condition(call, c)

    def f(fc, lv, tag):
        return run(then if test(fc, lv, tag) else other, fc, lv, tag)
    return f


def _operand(call: Call, c: Compiler) -> str:
    x = c.text(call, 2)
    if x.startswith("@"):
        v = c.params.get(x[1:])
        if v is not None:
            return v
    return x


def _digits_int(s: str) -> int:
    v = parse_int("".join(ch for ch in s if "0" <= ch <= "9"))
    return 0 if v is None else v


def _condition(call: Call, c: Compiler):
    if call.arity < 2:
        return lambda fc, lv, tag: False
    ref = c.ref(call, 0)
    cond = c.raw(call, 1)
    x = _operand(call, c)
    if cond == "isblank":
        return lambda fc, lv, tag: jtrim(ref.text(fc, lv, tag)) == ""
    if cond == "exists":
        return lambda fc, lv, tag: ref.exists(fc, lv, tag)
    if cond == "equals":
        xl = x.lower()
        return lambda fc, lv, tag: ref.text(fc, lv, tag).lower() == xl
    if cond == "contains":
        xl = x.lower()
        return lambda fc, lv, tag: xl in ref.text(fc, lv, tag).lower()
    if cond == "matches":
        rx = jtrim(x)

        def matches(fc, lv, tag):
            try:
                return full_match(rx, ref.text(fc, lv, tag))
            except JavaRegexError as e:
                raise _regex_failed(e) from None
        return matches
    if cond == "greaterthan":
        n = _digits_int(x)
        return lambda fc, lv, tag: _digits_int(ref.text(fc, lv, tag)) > n
    return lambda fc, lv, tag: False


@impl("select")
def _select(call: Call, c: Compiler):
    at_root = c.value(call.clauses[0]) if call.clauses else ""
    in_items = c.value(call.clauses[1]) if len(call.clauses) > 1 else ""

    def f(fc, lv, tag):
        return run(at_root if lv.parent is None else in_items, fc, lv, tag)
    return f


@impl("process")
def _process(call: Call, c: Compiler):
    def f(fc, lv, tag):
        el = lv.elems.get(tag)
        if el is not None and el.items is not None:
            from .anonymize import process_items
            fc.processed[(id(lv), tag)] = process_items(fc, el)
        return KEEP
    return f


@impl("require")
def _require(call: Call, c: Compiler):
    n = call.arity
    ref = c.ref(call, 0) if n >= 1 else None
    default = c.text(call, 1) if n >= 2 else ""

    def f(fc, lv, tag):
        if tag in lv.elems:
            return KEEP
        if ref is None:
            return ""
        hit = ref.find(fc, lv, tag)
        if hit is not None:
            v = fc.string(hit[1], hit[2], hit[0])
            v = "" if v is None else v
        else:
            v = default
        if v and not jtrim(v):
            return f"@blank({len(v)})"
        return v
    return f


@impl("quarantine")
def _quarantine(call: Call, c: Compiler):
    def f(fc, lv, tag):
        raise Stop(QUARANTINED, oc.QUARANTINE_SCRIPT, "!quarantine!")
    return f


@impl("skip")
def _skip(call: Call, c: Compiler):
    def f(fc, lv, tag):
        raise Stop(SKIPPED, oc.SKIP, "!skip!")
    return f


@impl("call")
def _call(call: Call, c: Compiler):
    from .plugins import run_plugin
    plugin_id = c.raw(call, 0)
    args = [a.raw for a in call.args[1:]]

    def f(fc, lv, tag):
        return run_plugin(fc, lv, tag, plugin_id, args)
    return f


# ------------------------------------------------------------------------------ values

@impl("contents")
def _contents(call: Call, c: Compiler):
    n = call.arity
    if n > 3:
        return ""
    ref = c.ref(call, 0)
    if n <= 1:
        return lambda fc, lv, tag: ref.text(fc, lv, tag)
    rx = c.text(call, 1)
    repl = c.text(call, 2) if n == 3 else ""

    def f(fc, lv, tag):
        try:
            return replace_all(rx, ref.text(fc, lv, tag), repl)
        except JavaRegexError as e:
            raise _regex_failed(e) from None
    return f


@impl("value")
def _value(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    default = c.text(call, 1) if call.arity >= 2 else ""

    def f(fc, lv, tag):
        v = ref.text(fc, lv, tag)
        return v if v else default
    return f


@impl("param")
def _param(call: Call, c: Compiler):
    v = c.param(call, 0)
    return "null" if v is None else v


@impl("date")
def _date(call: Call, c: Compiler):
    sep = c.text(call, 0)
    return lambda fc, lv, tag: f"{fc.now.year:04d}{sep}{fc.now.month:02d}{sep}{fc.now.day:02d}"


@impl("time")
def _time(call: Call, c: Compiler):
    sep = c.text(call, 0)
    return lambda fc, lv, tag: f"{fc.now.hour:02d}{sep}{fc.now.minute:02d}{sep}{fc.now.second:02d}"


@impl("lowercase")
def _lowercase(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    return lambda fc, lv, tag: ref.text(fc, lv, tag).lower()


@impl("uppercase")
def _uppercase(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    return lambda fc, lv, tag: ref.text(fc, lv, tag).upper()


@impl("truncate")
def _truncate(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    n = parse_int(c.raw(call, 1))

    def f(fc, lv, tag):
        v = ref.text(fc, lv, tag)
        if n is None:
            return v
        if n >= 0:
            return v[:n]
        v = jtrim(v)
        return v[len(v) + n:] if -n < len(v) else v
    return f


@impl("pathelement")
def _pathelement(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    i = parse_int(c.raw(call, 1))

    def f(fc, lv, tag):
        v = ref.text(fc, lv, tag)
        if i is None:
            return v
        parts = alg.java_split(v, "/")
        k = i if i >= 0 else len(parts) + i
        return parts[k] if 0 <= k < len(parts) else v
    return f


@impl("initials")
def _initials(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    k = parse_int(c.raw(call, 1)) if call.arity >= 2 else 0
    k = 0 if k is None else k

    def f(fc, lv, tag):
        s = alg.initials(ref.value(fc, lv, tag))
        return alg.caesar(s, k) if k else s
    return f


@impl("round")
def _round(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    size = c.param(call, 1)
    bad = c.args_text(call)

    def f(fc, lv, tag):
        try:
            w = parse_int(jtrim(size)) if size is not None and call.arity >= 2 else None
            if w is None:
                raise ValueError("size is not an integer")
            return alg.round_age(ref.text(fc, lv, tag), w)
        except (ValueError, ZeroDivisionError) as e:
            return _fallback(fc, bad, tag, f"@round failed ({e})")
    return f


# ------------------------------------------------------------------------------ hashes

def _int_or(s: str | None, default: int) -> int:
    if s is None:
        return default
    v = parse_int(jtrim(s))
    return default if v is None else v


@impl("hash")
def _hash(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    bad = c.args_text(call)
    has_len = call.arity >= 2
    maxlen = c.param(call, 1) if has_len else ""
    if has_len and maxlen is None:
        def undefined(fc, lv, tag):
            if ref.value(fc, lv, tag) is None:
                return REMOVE
            return _fallback(fc, bad, tag, "@hash: the length parameter is undefined")
        return undefined
    n = _int_or(maxlen, 0)

    def f(fc, lv, tag):
        v = ref.value(fc, lv, tag)
        return REMOVE if v is None else alg.hash_text(v, n)
    return f


@impl("hashname")
def _hashname(call: Call, c: Compiler):
    bad = c.args_text(call)
    if call.arity < 2:
        return lambda fc, lv, tag: _fallback(fc, bad, tag, "@hashname needs two arguments")
    ref = c.ref(call, 0)
    length = _int_or(c.param(call, 1), 4)
    words = _int_or(c.param(call, 2), -1) if call.arity >= 3 else -1
    return lambda fc, lv, tag: alg.hash_name(ref.text(fc, lv, tag), length, words)


@impl("hashptid")
def _hashptid(call: Call, c: Compiler):
    bad = c.args_text(call)
    if call.arity < 2:
        return lambda fc, lv, tag: _fallback(fc, bad, tag, "@hashptid needs two arguments")
    site = c.param(call, 0)
    ref = c.ref(call, 1)
    maxlen = _int_or(c.param(call, 2), 0) if call.arity >= 3 else 0
    return lambda fc, lv, tag: alg.hash_ptid(site, ref.text(fc, lv, tag), maxlen)


@impl("hashuid")
def _hashuid(call: Call, c: Compiler):
    bad = c.args_text(call)
    prefix = c.param(call, 0) if call.arity >= 2 else None
    if prefix is None:
        why = ("@hashuid needs two arguments" if call.arity < 2
               else "@hashuid: the UID root parameter is undefined")
        return lambda fc, lv, tag: _fallback(fc, bad, tag, why)
    root = alg.uid_prefix(prefix)
    ref = c.ref(call, 1)
    other = c.ref(call, 2) if call.arity >= 3 else None

    def f(fc, lv, tag):
        v = ref.value(fc, lv, tag)
        if v is None:
            return REMOVE
        uid = v.rstrip("\x00 ")
        if other is not None:
            uid += _other_script(fc, lv, tag, other)
        return alg.hash_uid(root, uid)
    return f


def _other_script(fc: FileCtx, lv, tag: int, other) -> str:
    """§6.3 step 3: the evaluated script of the element a third @hashuid argument names."""
    if other.empty or len(other.steps) != 1 or other.root:
        return ""
    t = other._tag(fc, other.steps[0], lv, tag)
    rule = fc.rules.get(t) if t is not None else None
    if rule is None:
        return ""
    fc.depth += 1
    try:
        if fc.depth > 32:
            raise Stop(QUARANTINED, oc.EVALUATION_ERROR,
                       "@hashuid refers to scripts that refer back to it without end")
        return run(rule.body, fc, lv, t)
    finally:
        fc.depth -= 1


# ------------------------------------------------------------------------------ dates

def _date_guard(v: str | None) -> str | None:
    if v is None:
        return REMOVE
    if len(v) < 8:
        return EMPTY
    return None


def _per_value(v: str, fn) -> str:
    return "\\".join(fn(p) for p in alg.java_split(v, "\\"))


@impl("incrementdate")
def _incrementdate(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    n = call.arity
    if n == 2:
        days_text = c.param(call, 1)

        def days(fc, lv, tag):
            if days_text is None:
                raise ValueError("undefined parameter")
            d = parse_int(jtrim(days_text))
            if d is None:
                raise ValueError(f"not a number of days: {days_text!r}")
            return d
    elif n == 3:
        key_ref = c.ref(call, 1)
        key_type = c.param(call, 2)

        def days(fc, lv, tag):
            from .lookup import LookupFailure
            try:
                v = fc.cs.lookup.lookup(key_type, key_ref.text(fc, lv, tag))
            except LookupFailure as e:
                raise ValueError(str(e)) from None
            d = parse_int(jtrim(v))
            if d is None:
                raise ValueError(f"not a number of days: {v!r}")
            return d
    else:
        def days(fc, lv, tag):
            raise ValueError("@incrementdate needs two or three arguments")

    def f(fc, lv, tag):
        v = ref.value(fc, lv, tag)
        g = _date_guard(v)
        if g is not None:
            return g
        try:
            d = days(fc, lv, tag)
            return _per_value(v, lambda p: alg.increment_date_value(p, d))
        except (ValueError, OverflowError):
            return EMPTY
    return f


@impl("modifydate")
def _modifydate(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    ok = call.arity == 4
    y, m, d = (_int_or(c.param(call, i), -1) for i in (1, 2, 3))

    def f(fc, lv, tag):
        v = ref.value(fc, lv, tag)
        g = _date_guard(v)
        if g is not None:
            return g
        if not ok:
            return EMPTY
        try:
            return _per_value(v, lambda p: alg.modify_date_value(p, y, m, d))
        except (ValueError, OverflowError):
            return EMPTY
    return f


@impl("hashdate")
def _hashdate(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    href = c.ref(call, 1)

    def f(fc, lv, tag):
        v = ref.value(fc, lv, tag)
        g = _date_guard(v)
        if g is not None:
            return g
        h = href.value(fc, lv, tag)
        if h is None:
            return REMOVE
        try:
            inc = alg.hashdate_increment(h)
            return _per_value(v, lambda p: alg.increment_date_value(p, inc))
        except (ValueError, OverflowError):
            return EMPTY
    return f


@impl("dateinterval")
def _dateinterval(call: Call, c: Compiler):
    n = call.arity
    ref = c.ref(call, 0)
    key_type = c.raw(call, 1)
    key_ref = c.ref(call, 2)
    origin = c.param(call, 3) if n >= 4 else None

    def f(fc, lv, tag):
        from .lookup import LookupFailure
        try:
            if n < 3:
                raise ValueError("@dateinterval needs three or four arguments")
            date = alg.parse_ymd8(ref.text(fc, lv, tag))
            base = alg.parse_mdy(fc.cs.lookup.lookup(key_type, key_ref.text(fc, lv.root, tag)))
            days = alg.days_between(date, base)
            if n >= 4:
                if origin is None:
                    raise ValueError("undefined origin parameter")
                return alg.increment_date_value(origin, days)
            return str(days)
        except (ValueError, OverflowError, LookupFailure) as e:
            raise Stop(QUARANTINED, oc.DATEINTERVAL_FAILED, f"!quarantine! - @dateinterval: {e}")
    return f


# ------------------------------------------------------------------------------ keyed

@impl("encrypt")
def _encrypt(call: Call, c: Compiler):
    return _crypt(call, c, alg.encrypt)


@impl("decrypt")
def _decrypt(call: Call, c: Compiler):
    return _crypt(call, c, alg.decrypt)


def _crypt(call: Call, c: Compiler, op):
    bad = c.args_text(call)
    name = call.name
    if call.arity < 2:
        return lambda fc, lv, tag: _fallback(fc, bad, tag, f"@{name} needs two arguments")
    ref = c.ref(call, 0)
    key = c.param(call, 1)

    def f(fc, lv, tag):
        try:
            return op(ref.text(fc, lv, tag), key)
        except Exception as e:  # any cipher or decoding failure: CTP returns (args)
            return _fallback(fc, bad, tag, f"@{name} failed ({e})")
    return f


@impl("lookup")
def _lookup(call: Call, c: Compiler):
    refs = c.refs(call, 0)
    key_type = c.raw(call, 1)
    n = call.arity
    upper = c.raw(call, 2) == "UC"
    action = c.text(call, 2) if n >= 3 and not upper else None
    arg = c.text(call, 3)

    def f(fc, lv, tag):
        from .lookup import LookupFailure
        key = "|".join(r.text(fc, lv, tag) for r in refs).replace("\\", "")
        if upper:
            key = key.upper()
        try:
            return fc.cs.lookup.lookup(key_type, key)
        except LookupFailure as e:
            if action == "keep":
                return KEEP
            if action == "remove":
                return REMOVE
            if action == "empty":
                return EMPTY
            if action == "default":
                return arg
            if action == "ignore":
                try:
                    if full_match(arg, key):
                        return key
                except JavaRegexError as rx:
                    raise _regex_failed(rx) from None
            raise Stop(QUARANTINED, oc.LOOKUP_FAILED, f"!quarantine! - {e}")
    return f


@impl("integer")
def _integer(call: Call, c: Compiler):
    ref = c.ref(call, 0)
    key_type = c.raw(call, 1)
    width = parse_int(c.raw(call, 2)) if call.arity >= 3 else 0
    width = 0 if width is None else width

    def f(fc, lv, tag):
        store = fc.cs.integers
        if store is None:
            raise Stop(QUARANTINED, oc.NO_INTEGER_STORE, "!quarantine! - missing IntegerTable")
        try:
            n = store.get(jtrim(key_type), jtrim(ref.text(fc, lv, tag)))
        except Exception as e:  # a storage failure; CTP writes the literal "error"
            return _fallback(fc, "error", tag, f"@integer storage failed ({e})")
        return f"{n:0{width}d}" if width > 0 else str(n)
    return f
