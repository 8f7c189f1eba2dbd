"""A queue of submissions drained by `dlgrade serve xqueue`, and the same submissions graded by
`dlgrade autograde`, side by side in one run.

    .venv/bin/python bench/bench_xqueue.py [--submissions 1000] [--workers 2] [--flavour xqueue]

The submissions are one topic each (activations: half the reference, half a realistic bug, each
with its own content), pushed to the local server of the tests (tests/xqueue_server.py, its own
process) before the grader starts; the drain is timed from the grader's start to the last
answer. autograde grades the same files as a class (a folder of per-student folders) into a
fresh gradebook. Both need the strong jail (run as root with bubblewrap). It prints submissions
per second of each and their ratio, and checks that every submission was answered exactly once
with the score autograde gave it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
SERVER = ROOT / "tests" / "xqueue_server.py"
REFERENCE = (ROOT / "solutions" / "activations.py").read_text(encoding="utf-8")
WRONG = (ROOT / "tests" / "corpus" / "activations" / "wrong" / "elu_alpha_ignored.py").read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--flavour", choices=("xqueue", "submissions"), default="xqueue")
    args = parser.parse_args()
    texts = [(REFERENCE if k % 2 == 0 else WRONG) + f"\n# student {k}\n" for k in range(args.submissions)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryDirectory(prefix="bench-xqueue-") as temp:
        work = Path(temp)
        drain, answers = _drain(work, texts, args, env)
        local, scores = _autograde(work, texts, args.workers, env)
    # the posted score has 6 decimals
    wrong = [k for k in range(len(texts)) if abs(answers.get(k, -1) - scores[k]) > 1e-6]
    print(json.dumps({
        "submissions": len(texts), "workers": args.workers, "flavour": args.flavour, "load": os.getloadavg()[0],
        "xqueue_seconds": round(drain, 2), "xqueue_per_second": round(len(texts) / drain, 2),
        "autograde_seconds": round(local, 2), "autograde_per_second": round(len(texts) / local, 2),
        "xqueue_vs_autograde": round(local / drain, 3), "answered": len(answers),
        "disagreeing": [(k, answers.get(k), scores[k]) for k in wrong[:5]],
    }, indent=1))  # fmt: skip


def _drain(work: Path, texts: list[str], args: argparse.Namespace, env: dict[str, str]) -> tuple[float, dict[int, float]]:
    server = subprocess.Popen([sys.executable, str(SERVER), "--flavour", args.flavour, "--port", "0", "--state",
                               str(work / "server.sqlite"), "--delay", "600", "--queues", "dlgrade"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    assert server.stdout is not None
    url = f"http://127.0.0.1:{int(server.stdout.readline())}"
    try:
        ids = {}
        for k, text in enumerate(texts):
            body = {"queue": "dlgrade", "response": text, "payload": {"grader": "activations"}, "student": f"s{k}"}
            ids[int(requests.post(f"{url}/lms/push", json=body, timeout=30).json()["submission_id"])] = k
        (work / "xqueue.toml").write_text(f'[xqueue]\nworkers = {args.workers}\nstate = "{work / "state"}"\n'
                                          "poll_seconds = 0.2\nmax_poll_seconds = 1.0\n")  # fmt: skip
        grader_env = env | {"DLGRADE_XQUEUE_URL": url, "DLGRADE_XQUEUE_USER": "grader",
                            "DLGRADE_XQUEUE_PASSWORD": "secret", "DLGRADE_XQUEUE_QUEUE": "dlgrade"}  # fmt: skip
        started = time.monotonic()
        grader = subprocess.Popen([sys.executable, "-m", "grader.cli", "serve", "xqueue", "--config",
                                   str(work / "xqueue.toml")], env=grader_env, cwd=work, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        try:
            while True:
                posts = requests.get(f"{url}/lms/results", timeout=30).json()["posts"]
                if len({p["submission_id"] for p in posts}) >= len(texts):
                    break
                time.sleep(0.5)
            drain = time.monotonic() - started
        finally:
            grader.send_signal(signal.SIGTERM)
            grader.wait(timeout=60)
        counts: dict[int, int] = {}
        for post in posts:
            counts[post["submission_id"]] = counts.get(post["submission_id"], 0) + 1
        assert all(n == 1 for n in counts.values()), "a submission answered twice"
        return drain, {ids[p["submission_id"]]: float(p["body"]["score"]) for p in posts}
    finally:
        server.kill()
        server.wait()


def _autograde(work: Path, texts: list[str], workers: int, env: dict[str, str]) -> tuple[float, list[float]]:
    folder = work / "class"
    for k, text in enumerate(texts):
        (folder / f"s{k}").mkdir(parents=True)
        (folder / f"s{k}" / "activations.py").write_text(text, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "grader.cli", "autograde", str(folder), "--workers", str(workers),
                           "--topic", "activations", "--out", str(work / "out")], env=env, capture_output=True,
                          text=True)  # fmt: skip
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(work / "out" / "gradebook.sqlite") as db:
        rows = db.execute("SELECT s.name, r.score, r.max_score FROM runs r JOIN submissions b ON r.submission_id = b.id "
                          "JOIN students s ON b.student_id = s.id WHERE r.counts").fetchall()  # fmt: skip
    fraction = {name: score / top if top else 0.0 for name, score, top in rows}
    return seconds, [fraction[f"s{k}"] for k in range(len(texts))]


if __name__ == "__main__":
    main()
