"""``compile_script``: everything about a script that does not depend on the file, done once.

The result (``CompiledScript``) holds the rule table keyed by tag, the private ``gggg[CREATOR]ee``
rules still to be resolved per file, the global flags, the lookup table and the ``@integer``
store. It pickles by rebuilding from the script IR, so worker processes can receive it.
"""
from __future__ import annotations

import os

from ..errors import NotSupportedError, ScriptError
from ..script.ir import Always, Call, RemoveFlag, Script, TagKind
from .evaluate import Compiler
from .integers import open_integers
from .lookup import LookupTable

MODES = ("ctp", "safe")
DEID_CODE_SEQ = 0x00120064


class Rule:
    """One enabled ``<e>`` rule, compiled."""

    __slots__ = ("selector", "label", "text", "body", "always", "always_require", "always_call",
                 "starts_remove", "span")

    def __init__(self, rule, compiler: Compiler):
        self.selector = rule.tag
        self.label = rule.label or ""
        self.text = rule.text
        self.span = rule.span
        self.body = compiler.value(rule.expr)
        parts = rule.expr.parts
        self.always = bool(parts) and isinstance(parts[0], Always)
        second = parts[1] if self.always and len(parts) > 1 else None
        self.always_require = isinstance(second, Call) and second.name == "require"
        self.always_call = isinstance(second, Call) and second.name == "call"
        self.starts_remove = rule.text.startswith("@remove()")


class CompiledScript:
    """A script ready to run; build it with ``compile_script``."""

    def __init__(self, script: Script, params: dict[str, str] | None, lookup_path: str | None,
                 mode: str, integers):
        if mode not in MODES:
            raise NotSupportedError(f"unknown mode {mode!r} (use 'ctp' or 'safe')", code="NS02")
        self._spec = (script, dict(params or {}), lookup_path, mode)
        self.script = script.with_params(params) if params else script
        self.mode = mode
        self.safe = mode == "safe"
        self.params = dict(self.script.params)
        self.lookup_path = lookup_path
        self.lookup = LookupTable.load(lookup_path)
        self._integers_spec = integers
        self.integers = open_integers(integers)

        compiler = Compiler(self.params)
        chosen = _choose_rules(self.script)
        self.rules: dict[int, Rule] = {}
        self.private_rules: list[Rule] = []
        self.aliases: dict[str, int] = {}
        self.private_aliases: dict[str, Rule] = {}
        for r in chosen:
            rule = Rule(r, compiler)
            sel = r.tag
            if sel.kind is TagKind.NUMERIC:
                self.rules[sel.tag] = rule
                if sel.group & 1 and rule.label.strip():
                    self.aliases[rule.label.strip().lower()] = sel.tag
            else:
                self.private_rules.append(rule)
                if rule.label.strip():
                    self.private_aliases[rule.label.strip().lower()] = rule

        #: the functions the rules evaluate (not actions such as @remove): a runner needs an
        #: @integer store only when "integer" is one
        self.functions = frozenset(compiler.used)
        flags = self.script.flags
        self.rpg = RemoveFlag.PRIVATE_GROUPS in flags
        self.rue = RemoveFlag.UNSPECIFIED in flags
        self.rol = RemoveFlag.OVERLAYS in flags
        self.rc = RemoveFlag.CURVES in flags
        self.kspe = self.script.keep_safe_private
        self.keep_groups = frozenset(self.script.keep_groups)
        self.full_scan = self.rpg or self.rue or self.rol or (self.safe and self.rc)
        self.deid_rule = self.rules.get(DEID_CODE_SEQ)
        self.insert_rules = sorted(
            (t, r) for t, r in self.rules.items()
            if (r.always or t == DEID_CODE_SEQ) and (t >> 16) != 0x0002)

    def with_integers(self, integers) -> "CompiledScript":
        """The same compiled rules with another ``@integer`` store: worker processes forked
        after one compile need not compile again."""
        # Not copy.copy: that goes through __reduce__, which compiles the script again.
        twin = object.__new__(CompiledScript)
        twin.__dict__.update(self.__dict__)
        twin._integers_spec = integers
        twin.integers = open_integers(integers)
        return twin

    def __reduce__(self):
        script, params, lookup_path, mode = self._spec
        return (_rebuild, (script, params, lookup_path, mode, self._integers_for_pickle()))

    def _integers_for_pickle(self):
        spec = self._integers_spec
        if spec is None or spec is False or isinstance(spec, (str, os.PathLike)):
            return spec
        return self.integers

    def __repr__(self) -> str:
        return (f"CompiledScript({self.script.path!r}, mode={self.mode}, rules={len(self.rules)}, "
                f"private_rules={len(self.private_rules)})")


def _rebuild(script, params, lookup_path, mode, integers):
    return CompiledScript(script, params, lookup_path, mode, integers)


def _choose_rules(script: Script):
    """Enabled rules, one per target. Same ``t`` and label: the last wins, as in CTP's
    Properties; different labels for one target: CTP's choice depends on hash order (SC02)."""
    by_target: dict = {}
    for r in script.enabled_rules:
        if r.tag.kind is TagKind.INVALID:
            continue
        key = (r.tag.tag,) if r.tag.kind is TagKind.NUMERIC else (
            r.tag.group, r.tag.creator, r.tag.element or 0)
        by_target.setdefault(key, {})[(r.tag.raw, r.label or "")] = r
    chosen = []
    for key, variants in by_target.items():
        if len(variants) > 1:
            rules = list(variants.values())
            raise ScriptError(
                f"{len(rules)} enabled rules for {rules[0].tag} with different labels or spellings "
                f"({', '.join(repr(r.label or '') for r in rules)}); CTP picks one by hash order",
                code="SC02", span=rules[1].span)
        chosen.append(next(iter(variants.values())))
    return chosen


def compile_script(script, *, params: dict[str, str] | None = None, lookup_path: str | None = None,
                   mode: str = "ctp", integers=None) -> CompiledScript:
    """Compile a script (a ``Script`` or a path) for ``anonymize``/``anonymize_file``.

    ``params`` override the script's ``<p>`` values; ``lookup_path`` names the lookup table;
    ``mode`` is ``"ctp"`` (CTP's behaviour, with warnings where CTP is silent) or ``"safe"``;
    ``integers`` is the ``@integer`` store (None: in memory; a folder: SQLite there; False: none).
    """
    if isinstance(script, CompiledScript):
        return script
    if isinstance(script, (str, os.PathLike)):
        from ..script import load_script
        script = load_script(os.fspath(script))
    if not isinstance(script, Script):
        raise TypeError(f"not a Script: {script!r}")
    return CompiledScript(script, params, os.fspath(lookup_path) if lookup_path else None, mode,
                          integers)
