"""End to end: a deliberately incomplete CTP script run by the ctpx engine on a synthetic study,
then verify on the result. The script hashes the top-level identity elements and UIDs and
removes private groups, but has no @process() for any sequence and no rule for free text,
overlays or the frame of reference -- the gaps CTP users fall into."""
from __future__ import annotations

import json
import os

import pytest

from ctpx import synth
from ctpx.verify import verify

engine = pytest.importorskip("ctpx.engine")

SCRIPT = """<script>
 <p t="UIDROOT">1.2.826.0.1.3680043.10.1455.77</p>
 <e en="T" t="00100010" n="PatientName">@hash(this,10)</e>
 <e en="T" t="00100020" n="PatientID">@hash(this,10)</e>
 <e en="T" t="00100030" n="PatientBirthDate">@remove()</e>
 <e en="T" t="00080020" n="StudyDate">@incrementdate(this,-100)</e>
 <e en="T" t="00080018" n="SOPInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="0020000D" n="StudyInstanceUID">@hashuid(@UIDROOT,this)</e>
 <e en="T" t="0020000E" n="SeriesInstanceUID">@hashuid(@UIDROOT,this)</e>
 <r en="T" t="privategroups">Remove private groups</r>
</script>
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    from ctpx.script import load_text
    root = tmp_path_factory.mktemp("e2e")
    study = synth.generate(seed=21, patients=2)
    inp, out = root / "in", root / "out"
    synth.write(study, str(inp))
    compiled = engine.compile_script(load_text(SCRIPT))
    entries = []
    uid_rows = []
    for i, f in enumerate(study.files):
        result = engine.anonymize_file(str(inp / f.rel), compiled)
        rel = f"anon{i:03d}.dcm" if result.ok else None
        if result.ok:
            os.makedirs(out, exist_ok=True)
            (out / rel).write_bytes(result.data)
            uid_rows += list(result.uid_map.items())
        entries.append({"input": f.rel, "output": rel, "status": result.status})
    report = root / "run.json"
    report.write_text(json.dumps({"files": entries}))
    mapping = root / "uids.csv"
    mapping.write_text("id_old,id_new\n" + "".join(f"{a},{b}\n" for a, b in uid_rows))
    return study, str(inp), str(out), str(report), str(mapping)


def test_engine_ran(run):
    study, _, out, report, _ = run
    with open(report) as fh:
        statuses = {e["status"] for e in json.load(fh)["files"]}
    assert statuses == {"ok"}
    assert len(os.listdir(out)) == len(study.files)


def test_incomplete_script_leaves_residues_that_verify_finds(run):
    study, inp, out, report, _ = run
    result = verify(inp, out, run_report=report)
    assert result.meta["paired_by"] == f"report {len(study.files)}"
    recs = result.records
    out_of = {e["input"]: e["output"] for e in json.load(open(report))["files"]}

    def at(rel, path):
        return [r for r in recs if r["output"] == out_of[rel] and r["path"] == path]

    images = [f for f in study.files if "_CT/" in f.rel]
    for f in images:
        # Sequences without @process() keep their person names, at any depth.
        nested = at(f.rel, "<(0008,1115)>[<0>]<(0010,0010)>")
        assert nested and nested[0]["code"] == "VF01" and nested[0]["kind"] == "name"
        assert at(f.rel, "<(0040,0275)>[<0>]<(0040,0008)>[<0>]<(0040,0440)>[<0>]<(0040,A123)>")
        # No rule for free text, overlays or the frame of reference.
        assert {r["kind"] for r in at(f.rel, "<(0020,4000)>")} >= {"id", "date", "name"}
        assert at(f.rel, "<(6000,0022)>")[0]["kind"] == "name"
        assert at(f.rel, "<(0020,0052)>")[0]["code"] == "VF07"
        # The private groups were removed.
        assert not at(f.rel, '<(0009,"GEMS_IDEN_01",04)>')
    # SOPInstanceUIDs were hashed, the references to them inside unprocessed sequences not.
    stale = [r for r in recs if r["code"] == "VF08" and
             r["path"] == "<(0008,1140)>[<0>]<(0008,1155)>"]
    assert len(stale) == len([f for f in images if "ReferencedImageSequence" in f.dataset])
    srs = [f for f in study.files if f.rel.endswith("DOC0001.dcm")]
    for f in srs:
        sr_stale = [r for r in at(f.rel, "<(0040,A375)>[<0>]<(0008,1115)>[<0>]"
                                         "<(0008,1199)>[<0>]<(0008,1155)>")]
        assert sr_stale and sr_stale[0]["code"] == "VF08"
        assert {r["kind"] for r in at(f.rel, "<(0040,A730)>[<0>]<(0040,A160)>")} == \
            {"name", "date"}
    # What the script did handle is not reported.
    assert not [r for r in recs if r["path"] in ("<(0010,0010)>", "<(0010,0020)>",
                                                "<(0008,0018)>", "<(0010,0030)>")]


def test_uid_mapping_csv_pairs_the_same_files(run):
    study, inp, out, report, mapping = run
    by_report = verify(inp, out, run_report=report)
    by_uid = verify(inp, out, mappings=[mapping])
    assert by_uid.meta["paired_by"] == f"uid-map {len(study.files)}"
    key = lambda r: (r["code"], r["output"], r["path"], r["value"])  # noqa: E731
    assert sorted(map(key, by_uid.records)) == sorted(map(key, by_report.records))


def test_ctpx_apply_then_ctpx_verify(tmp_path, capsys):
    """The command-line path: ``ctpx apply`` writes the tree, its run report and its mapping
    files; ``ctpx verify`` pairs by either and finds the same residues."""
    from ctpx.cli import main
    if not os.path.exists(os.path.join(os.path.dirname(engine.__file__), "runner.py")):
        pytest.skip("the folder runner is not present")
    study = synth.generate(seed=8, patients=1, studies=[1])
    inp, out = tmp_path / "in", tmp_path / "out"
    synth.write(study, str(inp), manifest=None)
    script = tmp_path / "incomplete.script"
    script.write_text(SCRIPT)
    report, mapping = tmp_path / "run.json", tmp_path / "map"
    rc = main(["apply", str(script), str(inp), str(out), "--report", str(report),
               "--mapping", str(mapping), "--jobs", "1", "--quiet"])
    assert rc == 0
    capsys.readouterr()
    outputs = {}
    for how in (["--report", str(report)], ["--mapping", str(mapping)]):
        assert main(["verify", str(inp), str(out), "--format", "json"] + how) == 1
        data = json.loads(capsys.readouterr().out)
        records = data["sections"]["findings"]
        assert data["meta"]["paired"] == len(study.files)
        assert any(r["path"] == "<(0008,1115)>[<0>]<(0010,0010)>" and r["kind"] == "name"
                   for r in records)
        assert not any(r["code"] in ("VF11", "VF12") for r in records)
        outputs[how[0]] = sorted((r["code"], r["output"], r["path"]) for r in records)
    assert outputs["--report"] == outputs["--mapping"]
