"""``@call(ID, args...)``: extensions registered in the ``ctpx.plugins`` entry-point group.

A plug-in is a callable registered under its ID (``[project.entry-points."ctpx.plugins"]``,
``myid = "package.module:function"``). It is called with a ``PluginCall`` and returns the
replacement text. With no plug-in of that ID, or when the plug-in raises, the file is
quarantined, as CTP quarantines when no AnonymizerExtension is configured.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Callable

from . import outcomes as oc
from .context import Ref, Stop
from .results import QUARANTINED

GROUP = "ctpx.plugins"


@lru_cache(maxsize=None)
def _registry() -> dict[str, Any]:
    from importlib.metadata import entry_points
    try:
        eps = entry_points(group=GROUP)
    except TypeError:  # Python < 3.10 API
        eps = entry_points().get(GROUP, [])
    return {ep.name: ep for ep in eps}


_loaded: dict[str, Callable] = {}


def register(plugin_id: str, fn: Callable) -> None:
    """Register a plug-in in this process (for tests and embedding applications)."""
    _loaded[plugin_id] = fn


def unregister(plugin_id: str) -> None:
    _loaded.pop(plugin_id, None)


def find(plugin_id: str) -> Callable | None:
    fn = _loaded.get(plugin_id)
    if fn is None:
        ep = _registry().get(plugin_id)
        if ep is not None:
            fn = _loaded[plugin_id] = ep.load()
    return fn


@dataclass
class PluginCall:
    """What a plug-in sees: its ID, the raw arguments after the ID, and element access."""

    id: str
    args: list[str]
    tag: int
    params: dict[str, str]
    _fc: Any
    _lv: Any

    def value(self, name: str) -> str | None:
        """The value of an element named as a script names it (``this``, keyword, tag...)."""
        from ..script.grammar import element_ref
        return Ref(element_ref(name)).value(self._fc, self._lv, self.tag)

    @property
    def is_root(self) -> bool:
        return self._lv.parent is None


def run_plugin(fc, lv, tag: int, plugin_id: str, args: list[str]) -> str:
    fn = find(plugin_id)
    if fn is None:
        raise Stop(QUARANTINED, oc.CALL_FAILED,
                   f"!quarantine! - plugin call: Unable to load plugin {plugin_id}")
    try:
        result = fn(PluginCall(plugin_id, list(args), tag, fc.cs.params, fc, lv))
    except Stop:
        raise
    except Exception as e:
        raise Stop(QUARANTINED, oc.CALL_FAILED,
                   f"!quarantine! - plugin call: {plugin_id} failed: {e}") from None
    return "" if result is None else str(result)
