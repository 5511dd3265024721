"""Effect analysis (ctpx.semantics): what a script does to each attribute."""
from __future__ import annotations

import pytest

from ctpx.functions import FUNCTIONS
from ctpx.script import load_text
from ctpx.semantics import (FUNCTION_EFFECTS, EffectKind as K, Mode, Source, analyze)

PN, PID, SOPI, STUDY_UID, SERIES_UID = 0x00100010, 0x00100020, 0x00080018, 0x0020000D, 0x0020000E
REF_IMAGE_SEQ, REF_SOP_INSTANCE = 0x00081140, 0x00081155


def script(*items: str, params: dict | None = None) -> str:
    ps = "".join(f'<p t="{k}">{v}</p>' for k, v in (params or {}).items())
    return "<script>" + ps + "".join(items) + "</script>"


def rule(tag: int, body: str, en: str = "T") -> str:
    body = body.replace("&", "&amp;").replace("<", "&lt;")
    return f'<e en="{en}" t="{tag:08x}" n="x">{body}</e>'


def effects(*items, mode="ctp", params=None):
    return analyze(load_text(script(*items, params=params)), mode)


def eff(body: str, tag: int = PN, level: str = "root", params=None, mode="ctp", extra=()):
    return effects(rule(tag, body), *extra, mode=mode, params=params).effect_at(tag, level)


def test_every_function_has_an_effect_entry():
    assert set(FUNCTION_EFFECTS) == set(FUNCTIONS)


@pytest.mark.parametrize("body,kind", [
    ("@remove()", K.REMOVE), ("@empty()", K.EMPTY), ("", K.EMPTY), ("@blank(4)", K.EMPTY),
    ("@keep()", K.KEEP), ("ANON", K.CONSTANT), ("@hash(this,10)", K.HASH),
    ("@hashname(this,6,2)", K.HASH), ("@hashptid(@S,this,10)", K.HASH),
    ("@lookup(this,ptid)", K.LOOKUP), ("@encrypt(this,@KEY)", K.ENCRYPT),
    ("@integer(this,ptid,6)", K.COUNTER), ("@contents(this)", K.COPY),
    ("@contents(this,\"[0-9]\")", K.DERIVED), ("@truncate(this,3)", K.DERIVED),
    ("@initials(this)", K.DERIVED), ("@quarantine()", K.QUARANTINE), ("@skip()", K.SKIP),
    ("@call(X,y)", K.EXTENSION), ("prefix @remove() suffix", K.REMOVE),
    ("@always()@keep()", K.KEEP), ("@require()", K.KEEP),
])
def test_rule_classification(body, kind):
    assert eff(body, params={"S": "1", "KEY": "k"}).kind is kind


def test_date_functions():
    assert eff("@incrementdate(this,@D)", 0x00080020, params={"D": "-10"}).details == (
        ("days", "-10"), ("function", "incrementdate"))
    assert eff("@hashdate(this,PatientID)", 0x00080020).detail("days-from-hash-of") == \
        "(0010,0020)"
    assert eff("@modifydate(this,*,*,1)", 0x00080020).kind is K.MODIFY_DATE
    assert eff("@date()", 0x00080020).kind is K.RUN_DATE
    assert eff("@time()", 0x00080030).detail("what") == "time"


def test_equivalent_spellings_give_equal_effects():
    assert eff("@hash(this,64)") == eff("@hash(this, 64)")
    assert eff("@hash(this)") == eff("@hash(this,0)") == eff("@hash(this,-3)")
    assert eff("@hash(this,10)") != eff("@hash(this,11)")
    assert eff("@hash(this,@N)", params={"N": "12"}) == eff("@hash(this,12)")
    se = effects()
    assert se.effect_at(PN) == eff("@keep()")          # absent rule vs @keep(), rue off
    assert se.effect_at(PN).source is Source.DEFAULT
    assert eff("@keep()").source is Source.RULE


def test_absent_rule_differs_from_keep_when_unspecified_elements_removed():
    rue = '<r en="T" t="unspecifiedelements">x</r>'
    se = effects(rue)
    assert se.effect_at(PN).kind is K.REMOVE and se.effect_at(PN).source is Source.FLAG
    assert effects(rule(PN, "@keep()"), rue).effect_at(PN).kind is K.KEEP


def test_hashuid_root_and_undefined_parameter():
    e = eff("@hashuid(@R,this)", SOPI, params={"R": "1.2.3"})
    assert e.kind is K.HASH_UID and e.detail("root") == "1.2.3."
    undefined = eff("@hashuid(@NOPE,this)", SOPI)
    assert undefined.kind is K.CONSTANT and "not defined" in undefined.notes[0]


def test_conditional_branches():
    e = eff("@if(this,isblank){@remove()}{Removed by CTP}")
    assert e.kind is K.CONDITIONAL
    outcomes = {str(b): b.effect.kind for b in e.branches}
    assert outcomes == {"this isblank": K.REMOVE, "not this isblank": K.CONSTANT}
    # exists on the element itself is always true for a present element
    assert eff("@if(this,exists){@hash(this)}{}").kind is K.HASH
    # equal branches collapse
    assert eff("@if(PatientID,contains,x){@remove()}{@remove()}").kind is K.REMOVE


def test_select_root_and_items():
    e = effects(rule(STUDY_UID, "@select(){@keep()}{@hashuid(@R,this)}"), params={"R": "1"})
    assert e.effect_at(STUDY_UID, "root").kind is K.KEEP
    assert e.effect_at(STUDY_UID, "item").kind is K.HASH_UID


def test_composite_and_reads():
    e = eff("Subject:@contents(PatientName);Session:@hash(StudyInstanceUID,8)", 0x00104000)
    assert e.kind is K.COMPOSITE
    assert e.reads == ("(0010,0010)", "(0020,000D)")
    assert e.dominant.kind is K.COPY
    prefixed = eff("@param(@SITE)-@integer(this,ptid,6)", params={"SITE": "S1"})
    assert prefixed.kind is K.COUNTER and prefixed.detail("template") == "S1-{}"


def test_append_and_always():
    e = eff("@always()@append(){CTP}", 0x00120063)
    assert e.kind is K.APPEND and e.creates and e.retains_value
    assert eff("@always()YES", 0x00120062).creates
    assert not eff("YES", 0x00120062).creates
    assert not eff("@always()@keep()", 0x00120062).creates


def test_code_sequence():
    e = eff("113100/113101", 0x00120064)
    assert e.kind is K.CODE_SEQUENCE and e.detail("codes") == "113100/113101" and e.creates


def test_builtin_keeps_protect_only_from_flags():
    rue = '<r en="T" t="unspecifiedelements">x</r>'
    se = effects(rue)
    for tag in (SOPI, STUDY_UID, 0x00080016, 0x00280010, 0x7FE00008):
        assert se.effect_at(tag).kind is K.KEEP and se.effect_at(tag).source is Source.BUILTIN
    assert se.effect_at(SERIES_UID).kind is K.REMOVE      # ctp-semantics §7.3
    assert effects(rule(SOPI, "@remove()"), rue).effect_at(SOPI).kind is K.REMOVE


def test_keep_groups_lose_to_rules():
    se = effects('<k en="T" t="0018">g</k>', rule(0x00180010, "@remove()"),
                 '<r en="T" t="unspecifiedelements">x</r>')
    assert se.effect_at(0x00180010).kind is K.REMOVE
    kept = se.effect_at(0x00181000)
    assert kept.kind is K.KEEP and kept.source is Source.KEEP_GROUP


def test_overlays_win_over_rules_and_curves_are_inert_in_ctp():
    items = ('<r en="T" t="overlays">o</r>', '<r en="T" t="curves">c</r>',
             rule(0x60003000, "@keep()"))
    ctp = effects(*items)
    assert ctp.effect_at(0x60003000).kind is K.REMOVE
    curve = ctp.effect_at(0x50003000)
    assert curve.kind is K.KEEP and "inert" in curve.notes[0]
    assert effects(*items, mode="safe").effect_at(0x50003000).kind is K.REMOVE


def test_private_elements():
    rpg = '<r en="T" t="privategroups">p</r>'
    se = effects(rpg, rule(0x00131010, "@keep()"))
    assert se.effect_at(0x00091010).kind is K.REMOVE
    assert se.effect_at(0x00131010).kind is K.KEEP          # a rule survives privategroups
    assert se.effect_at(0x00130010).kind is K.REMOVE        # its creator does not (orphan)
    kspe = effects(rpg, '<k en="T" t="safeprivateelements">s</k>')
    assert kspe.effect_at(0x00090010).kind is K.KEEP        # every creator is kept
    safe = kspe.effect_at(0x00091002, creator="GEMS_IDEN_01")   # 'K' in CTP's dictionary
    assert safe.kind is K.KEEP and safe.source is Source.SAFE_PRIVATE
    assert kspe.effect_at(0x00091001, creator="GEMS_IDEN_01").kind is K.REMOVE
    named = effects(rpg, '<e en="T" t="0019[ACME 1.0]01" n="a">@hash(this)</e>')
    assert named.effect_at(0x00191001, creator="ACME 1.0").kind is K.HASH
    assert named.effect_at(0x00191001, creator="acme 1.0").kind is K.REMOVE


def test_sequences_ctp_and_safe():
    items = (rule(REF_IMAGE_SEQ, "@keep()"), rule(REF_SOP_INSTANCE, "@hashuid(@R,this)"),
             rule(0x00081115, "@process()"), rule(0x00081110, "@empty()"))
    ctp = effects(*items, params={"R": "1"})
    assert ctp.effect_at(REF_IMAGE_SEQ).kind is K.KEEP
    nested = ctp.effect_in((REF_IMAGE_SEQ,), REF_SOP_INSTANCE)
    assert nested.kind is K.KEEP and nested.source is Source.SEQUENCE
    assert ctp.effect_in((0x00081115,), REF_SOP_INSTANCE).kind is K.HASH_UID
    emptied = ctp.effect_at(0x00081110)                      # CTP cannot empty a sequence
    assert emptied.kind is K.KEEP and "cannot write" in emptied.notes[-1]
    safe = effects(*items, mode=Mode.SAFE, params={"R": "1"})
    assert safe.effect_at(REF_IMAGE_SEQ).kind is K.PROCESS
    assert safe.effect_in((REF_IMAGE_SEQ,), REF_SOP_INSTANCE).kind is K.HASH_UID
    assert safe.effect_at(0x00081110).kind is K.QUARANTINE
    assert safe.effect_at(0x00400275).kind is K.PROCESS       # unscripted sequence


def test_values_the_vr_refuses_keep_the_original_in_ctp():
    e = eff("REMOVED", 0x00080020)
    assert e.kind is K.KEEP and "not a valid DA" in e.notes[-1]
    assert eff("REMOVED", 0x00080020, mode="safe").kind is K.QUARANTINE
    assert eff("20000101", 0x00080020).kind is K.CONSTANT


def test_file_meta_and_tail():
    se = effects(rule(SOPI, "@hashuid(@R,this)"), rule(0x00020003, "@remove()"),
                 params={"R": "1"})
    assert se.effect_at(0x00020003).kind is K.HASH_UID       # follows SOPInstanceUID
    assert se.effect_at(0x00020010).kind is K.REGENERATED
    assert se.effect_at(0xFFFCFFFC).kind is K.REMOVE
    assert se.effect_at(0x00100000).kind is K.REMOVE         # group length


def test_disabled_rules_are_ignored():
    assert effects(rule(PN, "@remove()", en="F")).effect_at(PN).source is Source.DEFAULT


def test_describe_is_readable():
    assert eff("@hash(this,64)").describe() == "unkeyed hash of this (@hash, 64 digits)"
    assert eff("@incrementdate(this,@D)", 0x00080020, params={"D": "-5"}).describe() == \
        "date shifted by -5 days"


def test_level_must_be_known():
    with pytest.raises(ValueError):
        effects().effect_at(PN, "nested")
