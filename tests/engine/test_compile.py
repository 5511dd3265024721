"""compile_script: rule selection, script errors, modes, pickling."""
from __future__ import annotations

import pickle

import pytest

from ctpx.engine import anonymize_file, compile_script
from ctpx.errors import NotSupportedError, ScriptError
from ctpx.script import load_text

from .helpers import dataset, run, script, to_bytes


def test_two_enabled_rules_with_different_labels_raise_sc02():
    with pytest.raises(ScriptError) as e:
        script('<e en="T" t="00100010" n="A">x</e><e en="T" t="00100010" n="B">y</e>')
    assert e.value.code == "SC02"
    with pytest.raises(ScriptError):
        script('<e en="T" t="0008103e" n="A">x</e><e en="T" t="0008103E" n="A">y</e>')


def test_same_tag_and_label_collapse_and_disabled_rules_do_not_count():
    s = script('<e en="T" t="00101010" n="Dup">first</e><e en="T" t="00101010" n="Dup">second</e>'
               '<e en="F" t="00101010" n="Other">third</e>')
    _, out = run(s, dataset(PatientAge="050Y"))
    assert out.PatientAge == "second"


def test_unknown_mode_is_not_supported():
    with pytest.raises(NotSupportedError) as e:
        script("<script></script>", mode="fast")
    assert e.value.code.startswith("NS")


def test_params_override_and_paths_load(tmp_path):
    p = tmp_path / "s.script"
    p.write_text('<script><p t="X">a</p><e en="T" t="00100010" n="n">@param(@X)</e></script>')
    c = compile_script(str(p), params={"X": "b"})
    _, out = run(c, dataset(PatientName="n"))
    assert out.PatientName == "b"


def test_compiled_scripts_pickle_and_give_the_same_output(tmp_path):
    c = compile_script(load_text('<script><p t="R">1.2</p><e en="T" t="00080018" n="s">'
                                 '@hashuid(@R,this)</e></script>'), integers=str(tmp_path))
    c2 = pickle.loads(pickle.dumps(c))
    data = to_bytes(dataset())
    assert anonymize_file(data, c).data == anonymize_file(data, c2).data


def test_the_functions_a_script_calls_are_listed():
    c = script('<e en="T" t="00100020" n="id">@integer(this,pid,4)</e>'
               '<e en="T" t="00100010" n="n">@if(this,isblank){@empty()}{@hash(this,8)}</e>'
               '<e en="T" t="00100030" n="d">@notafunction(this)</e>')
    assert {"integer", "if", "hash"} <= c.functions
    assert "notafunction" not in c.functions and "lookup" not in c.functions


def test_another_integer_store_shares_the_compiled_rules():
    c = script('<e en="T" t="00100020" n="id">@integer(this,pid,4)</e>')
    store = {}

    class Store:
        def get(self, key_type, text):
            return store.setdefault((key_type, text), len(store) + 7)
    twin = c.with_integers(Store())
    assert twin.rules is c.rules and twin.insert_rules is c.insert_rules   # not compiled again
    _, out = run(twin, dataset(PatientID="MRN1"))
    assert out.PatientID == "0007" and twin.integers is not c.integers
