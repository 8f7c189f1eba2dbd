"""The main job: `dlgrade batch` over the shipped samples, and resuming an interrupted batch."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}


def batch(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli", "batch", *args], capture_output=True,
                          text=True, cwd=ROOT, env=ENV, timeout=600)  # fmt: skip


def test_samples_are_graded_into_a_table(tmp_path: Path) -> None:
    out = tmp_path / "grades.jsonl"
    done = batch("--out", str(out), "--lang", "en")
    assert done.returncode == 0, done.stderr
    records = {Path(r["path"]).stem: r for r in map(json.loads, out.read_text().splitlines())}
    assert set(records) == {"anna", "boris", "vera", "gleb", "dina"}
    assert records["anna"]["score"] == records["anna"]["max_score"] > 0
    assert 0 < records["boris"]["score"] < records["boris"]["max_score"]
    assert records["gleb"]["topics"]["initialization"]["status"] == "not_gradable"  # syntax error
    assert records["gleb"]["topics"]["matrix_ops"]["status"] == "missing"
    assert records["dina"]["topics"]["activations"]["score"] < records["dina"]["topics"]["activations"]["max_score"]
    for name in records:
        assert name in done.stdout
    assert "258/258" in done.stdout or f"{records['anna']['max_score']:g}" in done.stdout


def test_an_interrupted_batch_resumes_without_regrading(tmp_path: Path) -> None:
    folder = tmp_path / "submissions"
    folder.mkdir()
    for name in ("a", "b", "c"):
        (folder / name).mkdir()
        shutil.copy(ROOT / "solutions" / "dropout.py", folder / name / "dropout.py")
    out = tmp_path / "grades.jsonl"
    assert batch(str(folder), "--topic", "dropout", "--out", str(out), "--jobs", "1").returncode == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 3
    # as if the batch had been killed while writing c's line
    out.write_text("\n".join(lines[:2]) + "\n" + lines[2][: len(lines[2]) // 2])
    kept = {json.loads(line)["path"] for line in lines[:2]}
    again = batch(str(folder), "--topic", "dropout", "--out", str(out), "--jobs", "1")
    assert again.returncode == 0, again.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()[2:] if line.strip().endswith("}")]
    regraded = {r["path"] for r in records}
    assert regraded and not (regraded & kept), "graded again what was already saved"
    assert all(r["score"] == r["max_score"] for r in records)
