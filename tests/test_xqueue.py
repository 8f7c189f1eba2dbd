"""`dlgrade serve xqueue` against a local server of each flavour (tests/xqueue_server.py, its own
process): the protocol itself, a submission graded as `dlgrade grade` grades it, a drain, the
grader killed with kill -9 and restarted, the server going away and coming back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from grader.xqueue import ConfigError, load_config

ROOT = Path(__file__).resolve().parents[1]
SERVER = Path(__file__).with_name("xqueue_server.py")
WRONG = ROOT / "tests" / "corpus" / "activations" / "wrong" / "elu_alpha_ignored.py"
REFERENCE = ROOT / "solutions" / "activations.py"
FLAVOURS = ("xqueue", "submissions")
ENV = {**os.environ, "DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3", "PYTHONPATH": str(ROOT)}


class LMS:
    """The server process and its LMS side."""

    def __init__(self, tmp: Path, flavour: str, delay: float = 3.0, port: int = 0) -> None:
        self.tmp, self.flavour, self.delay = tmp, flavour, delay
        self.state = tmp / f"server-{flavour}.sqlite"
        self.port = port
        self.start()

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(SERVER), "--flavour", self.flavour, "--port", str(self.port), "--state",
             str(self.state), "--delay", str(self.delay), "--queues", "dlgrade,other"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )  # fmt: skip
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def push(self, response: str = "", payload: dict[str, str] | None = None, files: dict[str, str] | None = None,
             queue: str = "dlgrade", student: str = "s1", file_urls: dict[str, str] | None = None) -> int:  # fmt: skip
        body = {"queue": queue, "response": response, "payload": payload or {"grader": "activations"},
                "files": files or {}, "student": student, "file_urls": file_urls or {}}  # fmt: skip
        return int(requests.post(f"{self.url}/lms/push", json=body, timeout=10).json()["submission_id"])

    def results(self) -> dict[str, object]:
        return dict(requests.get(f"{self.url}/lms/results", timeout=10).json())

    def wait(self, count: int, timeout: float) -> list[dict[str, object]]:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            posts = self.results()["posts"]
            assert isinstance(posts, list)
            if len({p["submission_id"] for p in posts}) >= count:
                return posts
            time.sleep(0.3)
        raise AssertionError(f"only {self.results()} after {timeout} s")


@pytest.fixture(params=FLAVOURS)
def lms(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    server = LMS(tmp_path, request.param)
    yield server
    server.stop()


def grader(lms: LMS, tmp: Path, workers: int = 1, password: str = "secret") -> subprocess.Popen[str]:
    config = tmp / "xqueue.toml"
    config.write_text(f'[xqueue]\nworkers = {workers}\nstate = "{tmp / "state"}"\npoll_seconds = 0.2\n'
                      'max_poll_seconds = 1.0\ntimeout_seconds = 5\n')  # fmt: skip
    env = ENV | {"DLGRADE_XQUEUE_URL": lms.url, "DLGRADE_XQUEUE_USER": "grader", "DLGRADE_XQUEUE_PASSWORD": password,
                 "DLGRADE_XQUEUE_QUEUE": "dlgrade"}  # fmt: skip
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "serve", "xqueue", "--config", str(config)],
                            env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(tmp / "grader.log", "a"),
                            text=True, start_new_session=True)  # fmt: skip


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


# ----------------------------------------------------------------------------- configuration
@pytest.mark.parametrize(
    ("text", "env", "says"),
    [
        ("[xqueue]\nurl = 'http://x'\n", {}, "DLGRADE_XQUEUE_USER"),
        ("[xqueue\n", {}, "not valid TOML"),
        ("[xqueue]\nurl='ftp://x'\nuser='u'\npassword='p'\nqueues=['q']\n", {}, r"not an http\(s\) URL"),
        ("[xqueue]\nuser='u'\npassword='p'\nqueues=['q']\nwokers=2\n", {"DLGRADE_XQUEUE_URL": "http://x"}, "wokers"),
        ("[xqueue]\nuser='u'\npassword='hunter2'\nqueues=[]\n", {"DLGRADE_XQUEUE_URL": "http://x"}, "queue"),
    ],
)
def test_bad_config_is_one_error_line(tmp_path: Path, text: str, env: dict[str, str], says: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=says) as error:
        load_config(path, env)
    assert "hunter2" not in str(error.value)
    run = subprocess.run([sys.executable, "-m", "grader.cli", "serve", "xqueue", "--config", str(path)],
                         env={k: v for k, v in ENV.items() if not k.startswith("DLGRADE_XQUEUE")} | env,
                         capture_output=True, text=True, timeout=60)  # fmt: skip
    assert run.returncode == 2, run.stderr
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("error:") and "hunter2" not in run.stderr


def test_the_environment_wins(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text("[xqueue]\nurl='http://a'\nuser='u'\npassword='p'\nqueues=['q']\n")
    config = load_config(path, {"DLGRADE_XQUEUE_URL": "http://b:1", "DLGRADE_XQUEUE_QUEUE": "x, y"})
    assert (config.url, config.queues, config.user) == ("http://b:1", ("x", "y"), "u")
    assert "p" not in repr(config).split("user=")[1].split(",")[0] and "password" not in repr(config)


# ----------------------------------------------------------------------------- the server itself
def test_the_server_speaks_each_flavour(lms: LMS) -> None:
    """What the grader relies on, as the real servers do it."""
    classic = lms.flavour == "xqueue"
    http = requests.Session()
    anon = http.get(f"{lms.url}/xqueue/get_submission/", params={"queue_name": "dlgrade"}, allow_redirects=False)
    assert anon.status_code == (302 if classic else 403)
    if classic:
        assert anon.headers["Location"].startswith("/xqueue/login/")
        assert http.get(f"{lms.url}/xqueue/login/").json() == {"return_code": 1, "content": "login_required"}
    else:
        http.get(f"{lms.url}/xqueue/login/")
        assert http.cookies.get("csrftoken")
    bad = http.post(f"{lms.url}/xqueue/login/", data={"username": "grader", "password": "nope"})
    assert bad.json() == {"return_code": 1, "content": "Incorrect login credentials"}
    assert bad.status_code == (200 if classic else 401)
    assert http.post(f"{lms.url}/xqueue/login/", data={"username": "grader", "password": "secret"}).json()["return_code"] == 0
    empty = http.get(f"{lms.url}/xqueue/get_submission/", params={"queue_name": "dlgrade"}).json()
    assert empty == {"return_code": 1, "content": "Queue 'dlgrade' is empty"}
    queuelen = http.get(f"{lms.url}/xqueue/get_queuelen/", params={"queue_name": "dlgrade"})
    assert queuelen.json() == {"return_code": 0, "content": 0} if classic else queuelen.status_code == 404
    sid = lms.push("x = 1", payload={"grader": "activations", "extra": "dropped"})
    first = json.loads(http.get(f"{lms.url}/xqueue/get_submission/", params={"queue_name": "dlgrade"}).json()["content"])
    header = json.loads(first["xqueue_header"])
    assert header["submission_id"] == sid
    payload = json.loads(json.loads(first["xqueue_body"])["grader_payload"])
    assert payload == ({"grader": "activations", "extra": "dropped"} if classic else {"grader": "activations"})
    time.sleep(lms.delay + 0.2)  # unanswered: it comes back, with a new key in XQueue only
    again = json.loads(http.get(f"{lms.url}/xqueue/get_submission/", params={"queue_name": "dlgrade"}).json()["content"])
    new_header = json.loads(again["xqueue_header"])
    assert (new_header["submission_key"] != header["submission_key"]) == classic
    result = {"xqueue_header": first["xqueue_header"], "xqueue_body": json.dumps({"correct": True, "score": 1, "msg": ""})}
    if classic:  # the old key is refused
        assert http.post(f"{lms.url}/xqueue/put_result/", data=result).json()["content"] == "Incorrect key for submission"
        result["xqueue_header"] = again["xqueue_header"]
    else:  # CSRF enforced: without the token, refused
        assert http.post(f"{lms.url}/xqueue/put_result/", data=result).status_code == 403
        http.headers["X-CSRFToken"] = http.cookies["csrftoken"]
    assert http.post(f"{lms.url}/xqueue/put_result/", data=result).json() == {"return_code": 0, "content": ""}
    assert lms.results()["unretired"] == 0


# ----------------------------------------------------------------------------- the grader
def _grade_json(path: Path, topic: str) -> dict[str, object]:
    run = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(path), "--topic", topic, "--format", "json"],
                         env=ENV, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert run.returncode == 0, run.stderr
    return dict(json.loads(run.stdout))


@pytest.mark.slow
def test_a_submission_gets_the_grade_of_dlgrade_grade(lms: LMS, tmp_path: Path) -> None:
    from lxml import etree

    wrong = lms.push(WRONG.read_text())
    # edx-submissions keeps only the payload's "grader": {"topic": ...} reaches the grader from XQueue only
    payload = {"topic": "activations"} if lms.flavour == "xqueue" else {"grader": "activations"}
    uploaded = lms.push(files={"activations.py": REFERENCE.read_text()}, payload=payload, student="s2")
    nothing = lms.push("x = 1", payload={"grader": "no_such_topic"}, student="s3")
    proc = grader(lms, tmp_path)
    try:
        posts = lms.wait(3, timeout=240)
    finally:
        assert stop(proc) == 0
    by_id = {p["submission_id"]: p["body"] for p in posts}
    assert len(posts) == 3  # each once
    expected = _grade_json(WRONG, "activations")
    topics = expected["topics"]
    assert isinstance(topics, dict)
    score, top = topics["activations"]["score"], topics["activations"]["max_score"]
    body = by_id[wrong]
    assert isinstance(body, dict)
    assert 0 < score < top and body["correct"] is False and body["score"] == pytest.approx(score / top)
    failing = [t["title"] for t in topics["activations"]["tests"] if t["outcome"] != "pass"]
    fragment = etree.fromstring(body["msg"].encode())  # capa's CodeResponse parses it as XML first
    text = "".join(fragment.itertext())
    assert all(title in text for title in failing) and "<script" not in body["msg"] and "<style" not in body["msg"]
    assert by_id[uploaded] == {**by_id[uploaded], "correct": True, "score": 1.0}
    assert by_id[nothing]["correct"] is False and "grader_payload" in by_id[nothing]["msg"]
    from grader.gradebook import open_gradebook

    book = open_gradebook(f"sqlite:///{tmp_path / 'state' / 'gradebook.sqlite'}")
    try:
        graded = {(name, topic): run.score for name, topic, run in book.counting_grades()}
    finally:
        book.close()
    assert graded == {("s1", "activations"): score, ("s2", "activations"): top}
    assert "secret" not in (tmp_path / "grader.log").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_kill_9_and_restart_lose_nothing_and_post_nothing_twice(flavour: str, tmp_path: Path) -> None:
    """A drain of 30 submissions with two workers: the grader killed with kill -9 midway and
    started again, the server stopped and started again; every submission answered exactly once."""
    lms = LMS(tmp_path, flavour, delay=4.0)
    try:
        texts = [WRONG.read_text() + f"\n# {i}\n" if i % 2 else REFERENCE.read_text() + f"\n# {i}\n" for i in range(30)]
        ids = [lms.push(text, student=f"s{i}") for i, text in enumerate(texts)]
        proc = grader(lms, tmp_path, workers=2)
        lms.wait(8, timeout=240)
        os.killpg(proc.pid, signal.SIGKILL)  # the supervisor and its workers, mid-drain
        proc.wait()
        proc = grader(lms, tmp_path, workers=2)
        lms.wait(16, timeout=240)
        lms.stop()  # the server goes away ...
        time.sleep(2)
        lms.start()  # ... and comes back on the same port with its database
        posts = lms.wait(30, timeout=300)
        assert stop(proc) == 0
        time.sleep(0.5)
        posts = lms.results()["posts"]
        assert isinstance(posts, list)
        counted = sorted(p["submission_id"] for p in posts)
        assert counted == sorted(ids), "each submission answered exactly once"
        assert lms.results()["unretired"] == 0
        for post in posts:
            i = ids.index(post["submission_id"])
            assert post["body"]["correct"] is (i % 2 == 0), post
    finally:
        lms.stop()


# ----------------------------------------------------------------------------- what goes wrong
def _alive_tree(proc: subprocess.Popen[str]) -> list[int]:
    """Processes still in the grader's session (its workers, their jails)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getsid(int(entry.name)) == proc.pid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@pytest.mark.slow
def test_expired_sessions_are_renewed(lms: LMS, tmp_path: Path) -> None:
    first = lms.push(REFERENCE.read_text())
    proc = grader(lms, tmp_path)
    try:
        lms.wait(1, timeout=180)
        requests.post(f"{lms.url}/lms/expire_sessions", timeout=10)  # as a session's expiry would
        second = lms.push(WRONG.read_text(), student="s2")
        posts = lms.wait(2, timeout=180)
    finally:
        assert stop(proc) == 0
    assert sorted(p["submission_id"] for p in posts) == sorted([first, second])
    assert {p["submission_id"]: p["body"]["correct"] for p in posts} == {first: True, second: False}


@pytest.mark.slow
def test_bad_credentials_are_logged_without_the_password(lms: LMS, tmp_path: Path) -> None:
    lms.push(REFERENCE.read_text())
    proc = grader(lms, tmp_path, password="hunter2-wrong")
    try:
        log = tmp_path / "grader.log"
        end = time.monotonic() + 60
        while "refused the login" not in (log.read_text() if log.exists() else "") and time.monotonic() < end:
            time.sleep(0.3)
    finally:
        assert stop(proc) == 0
    text = log.read_text()
    assert "refused the login of 'grader'" in text and "hunter2" not in text
    assert lms.results()["posts"] == [] and lms.results()["unretired"] == 1  # nothing graded, nothing lost


@pytest.mark.slow
def test_a_submission_that_breaks_the_grader_is_answered_once_not_forever(tmp_path: Path) -> None:
    """Its uploaded file cannot be fetched, however often it is handed out: after a few tries it
    is answered with an error message, once, and the queue is empty."""
    lms = LMS(tmp_path, "xqueue", delay=1.5)
    try:
        broken = lms.push(file_urls={"activations.py": "http://127.0.0.1:9/gone.py"})
        fine = lms.push(REFERENCE.read_text(), student="s2")
        proc = grader(lms, tmp_path)
        try:
            posts = lms.wait(2, timeout=180)
            time.sleep(3 * lms.delay)  # no second answer comes later
            posts = lms.results()["posts"]
        finally:
            assert stop(proc) == 0
        by_id = {p["submission_id"]: p["body"] for p in posts}
        assert len(posts) == 2 and by_id[fine]["correct"] is True
        assert by_id[broken]["correct"] is False and by_id[broken]["score"] == 0
        assert "could not grade" in by_id[broken]["msg"] or "не смогла" in by_id[broken]["msg"]
        assert lms.results()["unretired"] == 0
    finally:
        lms.stop()


@pytest.mark.slow
def test_sigterm_mid_grade_stops_within_30_s_and_leaves_nothing(tmp_path: Path) -> None:
    lms = LMS(tmp_path, "submissions", delay=2.0)
    try:
        hang = "import time\nwhile True:\n    time.sleep(0.1)\n"  # at import: held until the load limit
        sid = lms.push(hang)
        proc = grader(lms, tmp_path)
        end = time.monotonic() + 120
        while "grading" not in _ledger_states(tmp_path) and time.monotonic() < end:
            time.sleep(0.1)
        started = time.monotonic()
        code = stop(proc)
        assert code == 0 and time.monotonic() - started < 35
        end = time.monotonic() + 5  # a process ends a moment after its parent is gone
        while _alive_tree(proc) and time.monotonic() < end:
            time.sleep(0.2)
        left = {pid: Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")[:200] for pid in _alive_tree(proc)}
        assert not left, f"outlived the grader: {left}"
        posts = lms.results()["posts"]
        assert len(posts) <= 1  # finished in hand, or left to come back: never twice
        if not posts:  # it comes back by itself and a new grader answers it
            proc = grader(lms, tmp_path)
            try:
                posts = lms.wait(1, timeout=120)
            finally:
                assert stop(proc) == 0
        assert [p["submission_id"] for p in posts] == [sid] and posts[0]["body"]["score"] == 0
    finally:
        lms.stop()


def _ledger_states(tmp: Path) -> set[str]:
    import sqlite3

    path = tmp / "state" / "ledger.sqlite"
    if not path.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as db:
            return {row[0] for row in db.execute("select state from answers")}
    except sqlite3.Error:
        return set()


@pytest.mark.slow
def test_an_uploaded_notebook_is_graded(tmp_path: Path) -> None:
    import nbformat.v4

    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# ELU and friends"),
                                               nbformat.v4.new_code_cell(REFERENCE.read_text())])  # fmt: skip
    lms = LMS(tmp_path, "xqueue")
    try:
        sid = lms.push(files={"homework.ipynb": nbformat.writes(notebook)})
        proc = grader(lms, tmp_path)
        try:
            (post,) = lms.wait(1, timeout=180)
        finally:
            assert stop(proc) == 0
        assert post["submission_id"] == sid and post["body"]["correct"] is True and post["body"]["score"] == 1.0
    finally:
        lms.stop()
