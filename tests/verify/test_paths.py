"""MIDI-B path notation."""
from __future__ import annotations

from ctpx.verify_paths import Item, PrivateTag, element_step, format_path


def test_public_item_and_private_steps():
    assert format_path([0x00400275, Item(0), 0x00401001]) == "<(0040,0275)>[<0>]<(0040,1001)>"
    assert format_path([PrivateTag(0x0009, "GEMS_IDEN_01", 0x1004)]) == \
        '<(0009,"GEMS_IDEN_01",04)>'
    assert format_path([0x0040A730, Item(3), 0x0040A730, Item(12), 0x0040A160]) == \
        "<(0040,A730)>[<3>]<(0040,A730)>[<12>]<(0040,A160)>"


def test_element_step_names_private_data_elements_by_creator_not_block():
    assert element_step(0x00091104, "GEMS_IDEN_01") == element_step(0x00091004, "GEMS_IDEN_01")
    assert element_step(0x00090010, None) == "<(0009,0010)>"
    assert element_step(0x00091004, None) == "<(0009,1004)>"      # orphan: no creator
    assert element_step(0x7FE11010, 'A "quoted" creator') == \
        '<(7FE1,"A \\"quoted\\" creator",10)>'
