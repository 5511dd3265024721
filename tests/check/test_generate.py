"""ctpx generate: the generated script passes ctpx check with the same options."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from ctpx.check import check_script
from ctpx.dicom.ps315 import Option
from ctpx.generate import generate_script
from ctpx.script import load_text

_VALID = st.sets(st.sampled_from(list(Option))).filter(
    lambda s: not {Option.RETAIN_LONG_FULL_DATES, Option.RETAIN_LONG_MODIFIED_DATES} <= s)


@settings(max_examples=25, deadline=None)
@given(options=_VALID, mode=st.sampled_from(["ctp", "safe"]),
       shift=st.integers(min_value=-3650, max_value=-1))
def test_generated_script_has_no_deviation(options, mode, shift):
    script = load_text(generate_script(options, date_shift=shift))
    result = check_script(script, options, mode)
    assert [(d.code, d.tag, d.effect) for d in result.deviations] == []
    assert result.exit_code == 0
    assert set(result.satisfied_options) >= set(options)


def test_generated_script_declares_itself():
    text = generate_script([Option.RETAIN_UIDS], uid_root="1.2.3", profile_name="P")
    assert '<p t="UIDROOT">1.2.3</p>' in text and "PS3.15 2024c" in text
    script = load_text(text)
    assert script.params["PROFILENAME"] == "P"
    codes = next(r for r in script.rules if r.tag.tag == 0x00120064).text
    assert codes == "113100/113110"


def test_modified_dates_need_a_shift():
    with pytest.raises(ValueError, match="date shift"):
        generate_script([Option.RETAIN_LONG_MODIFIED_DATES])
