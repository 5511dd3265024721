"""@call plug-ins: entry points in the ctpx.plugins group, and in-process registration."""
from __future__ import annotations

from ctpx.engine import plugins

from .helpers import dataset, rule, run


class _EntryPoint:
    def __init__(self, name, fn):
        self.name = name
        self._fn = fn

    def load(self):
        return self._fn


def test_entry_point_plugins_are_found_and_receive_the_call(monkeypatch):
    seen = {}

    def plugin(call):
        seen.update(id=call.id, args=call.args, root=call.is_root, name=call.value("PatientName"))
        return "from-plugin"

    monkeypatch.setattr(plugins, "_registry", lambda: {"ext": _EntryPoint("ext", plugin)})
    monkeypatch.setattr(plugins, "_loaded", {})
    res, out = run(rule("00100020", "@call(ext, a, PatientName)"), dataset(PatientID="P", PatientName="N"))
    assert out.PatientID == "from-plugin"
    assert seen == {"id": "ext", "args": ["a", "PatientName"], "root": True, "name": "N"}


def test_a_failing_plugin_quarantines(monkeypatch):
    def boom(call):
        raise RuntimeError("no service")

    monkeypatch.setattr(plugins, "_loaded", {"boom": boom})
    res, _ = run(rule("00100020", "@call(boom)"), dataset(PatientID="P"))
    assert res.status == "quarantined" and res.code == "RUN06" and "no service" in res.message


def test_no_plugin_quarantines_like_ctp():
    res, _ = run(rule("00080016", "@call(someplugin,PatientID)"), dataset())
    assert res.message == "!quarantine! - plugin call: Unable to load plugin someplugin"
