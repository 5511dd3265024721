"""The run journal: replacements are kept first-come, and later different ones are conflicts."""
from __future__ import annotations

import pytest

from ctpx.engine import runner_journal
from ctpx.engine.runner_journal import open_journal


def _rec(idx, uid_map=None, patient=None):
    return {"idx": idx, "input": f"in/{idx}", "output": f"out/{idx}.dcm", "status": "ok",
            "uid_map": uid_map or {}, "patient": patient}


@pytest.fixture
def journal(tmp_path):
    j = open_journal(str(tmp_path / "state"))
    yield j
    j.close()


def test_repeated_replacements_are_one_row_and_no_conflict(journal):
    for i in range(3):
        journal.add(_rec(i, {"1.2.3": "9.9.3", f"1.2.{i + 10}": f"9.9.{i + 10}"},
                         ("MRN1", "P1")))
    journal.commit()
    assert list(journal.uid_rows()) == [("1.2.10", "9.9.10"), ("1.2.11", "9.9.11"),
                                        ("1.2.12", "9.9.12"), ("1.2.3", "9.9.3")]
    assert list(journal.patient_rows()) == [("MRN1", "P1")]
    assert journal.conflict_count() == 0


def test_a_different_later_replacement_is_a_conflict_and_the_first_stays(journal):
    journal.add(_rec(0, {"1.2.3": "9.9.3"}, ("MRN1", "P1")))
    journal.add(_rec(1, {"1.2.3": "8.8.3"}, ("MRN1", None)))
    journal.add(_rec(2, {"1.2.3": "8.8.3"}, ("MRN1", None)))   # the same conflict again
    journal.commit()
    assert list(journal.uid_rows()) == [("1.2.3", "9.9.3")]
    assert list(journal.patient_rows()) == [("MRN1", "P1")]
    assert list(journal.conflict_rows()) == [
        ("patient", "MRN1", "P1", "", "in/1"),
        ("uid", "1.2.3", "9.9.3", "8.8.3", "in/1"),
    ]
    assert journal.conflict_count() == 2


def test_conflicts_are_found_beyond_the_bounded_memory(journal, monkeypatch):
    # With room for one remembered value, the second UID pushes the first out: the conflict
    # must then come from the database.
    monkeypatch.setattr(runner_journal, "_KNOWN_MAX", 1)
    journal.add(_rec(0, {"1.2.3": "9.9.3"}))
    journal.add(_rec(1, {"1.2.4": "9.9.4"}))
    journal.add(_rec(2, {"1.2.3": "7.7.3"}))
    journal.commit()
    assert [r[:4] for r in journal.conflict_rows()] == [("uid", "1.2.3", "9.9.3", "7.7.3")]


def test_a_reopened_journal_still_knows_the_first_replacement(tmp_path):
    j = open_journal(str(tmp_path / "s"))
    j.add(_rec(0, {"1.2.3": "9.9.3"}))
    j.commit()
    j.close()
    j = open_journal(str(tmp_path / "s"))   # a resumed run
    j.add(_rec(1, {"1.2.3": "6.6.3"}))
    j.commit()
    assert [r[:4] for r in j.conflict_rows()] == [("uid", "1.2.3", "9.9.3", "6.6.3")]
    j.close()


def test_reset_forgets_conflicts_and_remembered_values(journal):
    journal.add(_rec(0, {"1.2.3": "9.9.3"}))
    journal.add(_rec(1, {"1.2.3": "8.8.3"}))
    journal.commit()
    journal.reset()
    journal.add(_rec(0, {"1.2.3": "8.8.3"}))
    journal.commit()
    assert journal.conflict_count() == 0
    assert list(journal.uid_rows()) == [("1.2.3", "8.8.3")]
