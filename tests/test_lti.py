"""`dlgrade lti`: LTI 1.3 grade passback (AGS) and the tool's launch, against a platform that
runs here as a separate process (tests/lti_platform.py: its own key and JWKS, the OIDC login
and launch, a token endpoint that checks the tool's client assertion, AGS line items and
scores). Every score the platform records is compared with what `dlgrade grade` gives the
same code."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from html import escape
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pylti1p3")
requests = pytest.importorskip("requests")

from grader.lti.config import LINEITEM, LINEITEM_READ, SCORE, new_private_key, public_jwk  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ENV = {k: v for k, v in os.environ.items() if not k.startswith("DLGRADE_LTI") and k != "DLGRADE_SEED"}
ENV |= {"DLGRADE_LIMIT_CALL_SECONDS": "3", "DLGRADE_LIMIT_LOAD_SECONDS": "3"}
DROPOUT = (ROOT / "solutions" / "dropout.py").read_text(encoding="utf-8")
DROPOUT_BUG = DROPOUT + "\n\ndef dropout_backward(dout, mask, p):\n    return dout * mask\n"  # forgets 1/(1-p)
CLIENT = "dlgrade-client-1"
DEPLOYMENT = "deployment-7"
USERS = {"sub-anna": {"name": "Anna", "sourcedid": "anna"}, "sub-boris": {"name": "Boris", "sourcedid": "boris"},
         "sub-vera": {"name": "Vera"}}  # fmt: skip
RESOURCES = {"rl-dropout": {"title": "Dropout", "topic": "dropout", "score_maximum": 36}}
KEY = new_private_key()  # the tool's key for the whole module: RSA generation is not free


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def dlgrade(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env or ENV, timeout=timeout)  # fmt: skip


def wait_http(url: str, process: subprocess.Popen[str], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"{url}: the process ended ({process.returncode}): {process.stderr and process.stderr.read()}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer in {timeout} s")


class Platform:
    """tests/lti_platform.py in its own process."""

    def __init__(self, folder: Path, port: int, tool: dict[str, Any]) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.settings = folder / f"platform-{port}.json"
        self.settings.write_text(json.dumps({"port": port, "client_id": CLIENT, "deployment_id": DEPLOYMENT,
                                             "users": USERS, "resources": RESOURCES} | tool))  # fmt: skip
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> Platform:
        self.process = subprocess.Popen([sys.executable, str(ROOT / "tests" / "lti_platform.py"), str(self.settings)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
        wait_http(self.url + "/jwks", self.process)
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(10)
            self.process = None

    def recorded(self) -> dict[str, Any]:
        return dict(requests.get(self.url + "/_test/scores", timeout=5).json())

    def registration(self) -> dict[str, Any]:
        return {"issuer": self.url, "client_id": CLIENT, "deployment_ids": [DEPLOYMENT],
                "auth_login_url": f"{self.url}/auth", "auth_token_url": f"{self.url}/token",
                "key_set_url": f"{self.url}/jwks"}  # fmt: skip


def toml_value(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    return json.dumps(value)


def write_config(folder: Path, platform: Platform, *, tool: dict[str, Any] | None = None,
                 push: dict[str, Any] | None = None, key: str = KEY, name: str = "lti.toml") -> Path:  # fmt: skip
    (folder / "tool.pem").write_text(key)
    tool = {"private_key_file": "tool.pem", "state": "state.sqlite", "timeout": 5} | (tool or {})
    lines = ["[tool]"] + [f"{k} = {toml_value(v)}" for k, v in tool.items()]
    lines += ["", "[[platforms]]"] + [f"{k} = {toml_value(v)}" for k, v in platform.registration().items()]
    if push is not None:
        lines += ["", "[push]"] + [f"{k} = {toml_value(v)}" for k, v in push.items()]
    path = folder / name
    path.write_text("\n".join(lines) + "\n")
    return path


def grade_json(path: Path, lang: str = "ru") -> dict[str, Any]:
    done = dlgrade("grade", str(path), "--topic", "dropout", "--format", "json", "--lang", lang)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def outbox(state: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(state) as db:
        return [(str(a), str(b), str(c)) for a, b, c in db.execute("SELECT student, status, last_error FROM scores ORDER BY id")]


# ----------------------------------------------------------------------------- push: the gradebook to the platform
@pytest.fixture(scope="module")
def gradebook(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Path]]:
    """A class of three graded by `dlgrade autograde` (the real engine, in the jail)."""
    folder = tmp_path_factory.mktemp("class")
    codes = {"anna": DROPOUT, "boris": DROPOUT_BUG, "vera": DROPOUT_BUG}
    paths = {}
    for student, code in codes.items():
        (folder / "submissions" / student).mkdir(parents=True)
        paths[student] = folder / "submissions" / student / "dropout.py"
        paths[student].write_text(code, encoding="utf-8")
    done = dlgrade("autograde", str(folder / "submissions"), "--out", str(folder / "out"), "--topic", "dropout",
                   timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return folder / "out" / "gradebook.sqlite", paths


@pytest.fixture
def platform(tmp_path: Path) -> Iterator[Platform]:
    started = Platform(tmp_path, free_port(), {"tool_jwk": public_jwk(KEY)}).start()  # registered with the public key
    yield started
    started.stop()


def push_config(tmp_path: Path, platform: Platform, **extra: Any) -> Path:
    (tmp_path / "students.csv").write_text("student,lti_user_id\nanna,sub-anna\nboris,sub-boris\n")
    return write_config(tmp_path, platform, push={"lineitems": f"{platform.url}/lineitems", "students": "students.csv"}
                        | extra)  # fmt: skip


def test_push_posts_each_mapped_students_grade_as_dlgrade_grade_gives_it(
    tmp_path: Path, platform: Platform, gradebook: tuple[Path, dict[str, Path]]
) -> None:
    db, paths = gradebook
    config = push_config(tmp_path, platform)
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stderr
    assert "2 score(s) posted" in done.stderr and "vera" in done.stderr  # vera has no LTI user id: said, not posted
    recorded = platform.recorded()
    assert not recorded["refused"]
    (item,) = [i for i in recorded["lineitems"] if i.get("tag") == "dlgrade:grade"]  # made by tag in the container
    assert item["scoreMaximum"] == 36
    posted = {s["body"]["userId"]: s["body"] for s in recorded["scores"]}
    assert set(posted) == {"sub-anna", "sub-boris"}
    for student, user in (("anna", "sub-anna"), ("boris", "sub-boris")):
        report = grade_json(paths[student])
        body = posted[user]
        assert (body["scoreGiven"], body["scoreMaximum"]) == (report["score"], report["max_score"])
        assert body["activityProgress"] == "Completed" and body["gradingProgress"] == "FullyGraded"
        assert body["timestamp"].endswith("+00:00")
    assert posted["sub-anna"]["scoreGiven"] == 36 and posted["sub-boris"]["scoreGiven"] < 36
    assert KEY.splitlines()[1] not in done.stdout + done.stderr

    again = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert again.returncode == 0, again.stderr
    assert "0 score(s) posted, 2 unchanged" in again.stderr
    assert len(platform.recorded()["scores"]) == 2


def test_two_pushes_at_once_post_each_score_once(tmp_path: Path, gradebook: tuple[Path, dict[str, Path]]) -> None:
    """Two `dlgrade lti push` on the same state at the same moment (or one beside `lti serve`):
    both read the same pending scores; the second flush waits for the first (a lock on a file
    beside the outbox), then finds them sent. The platform takes a second a score, so that the
    flushes would overlap."""
    db, _ = gradebook
    slow = Platform(tmp_path, free_port(), {"tool_jwk": public_jwk(KEY), "score_seconds": 1.0}).start()
    try:
        config = push_config(tmp_path, slow)
        command = [sys.executable, "-m", "grader.cli", "lti", "push", "--config", str(config), "--db", f"sqlite:///{db}"]
        pushes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=ENV)
                  for _ in range(2)]  # fmt: skip
        outputs = [push.communicate(timeout=120) for push in pushes]
        assert [push.returncode for push in pushes] == [0, 0], outputs
        posted = sorted(s["body"]["userId"] for s in slow.recorded()["scores"])
        assert posted == ["sub-anna", "sub-boris"], outputs
        assert sorted(out[1].count("2 score(s) posted") for out in outputs) == [0, 1], outputs
    finally:
        slow.stop()


def test_push_per_topic_to_a_named_line_item(tmp_path: Path, platform: Platform, gradebook: tuple[Path, dict[str, Path]]) -> None:
    db, _ = gradebook
    config = push_config(tmp_path, platform, columns="topic", lineitem={"dropout": f"{platform.url}/lineitems/1"})
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stderr
    assert {s["lineitem"] for s in platform.recorded()["scores"]} == {"1"}
    assert "comment" not in platform.recorded()["scores"][0]["body"]


def test_a_token_request_with_a_bad_assertion_is_refused_and_nothing_is_lost(
    tmp_path: Path, platform: Platform, gradebook: tuple[Path, dict[str, Path]]
) -> None:
    db, _ = gradebook
    (tmp_path / "students.csv").write_text("anna,sub-anna\n")
    push = {"lineitems": f"{platform.url}/lineitems", "students": "students.csv"}
    wrong = write_config(tmp_path, platform, push=push, key=new_private_key(), name="wrong.toml")  # a key it never got
    done = dlgrade("lti", "push", "--config", str(wrong), "--db", f"sqlite:///{db}")
    assert done.returncode == 2
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert "refused the tool's access token request" in line and "invalid_client" in line
    assert platform.recorded()["scores"] == []
    assert outbox(tmp_path / "state.sqlite") == [("anna", "pending", outbox(tmp_path / "state.sqlite")[0][2])]

    right = write_config(tmp_path, platform, push=push)  # the same state: the waiting score goes now
    done = dlgrade("lti", "push", "--config", str(right), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stderr
    assert [s["body"]["userId"] for s in platform.recorded()["scores"]] == ["sub-anna"]
    assert [row[1] for row in outbox(tmp_path / "state.sqlite")] == ["sent"]


def test_platform_unreachable_keeps_the_scores_for_the_next_push(
    tmp_path: Path, platform: Platform, gradebook: tuple[Path, dict[str, Path]]
) -> None:
    db, _ = gradebook
    config = push_config(tmp_path, platform)
    platform.stop()
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 2
    errors = [x for x in done.stderr.splitlines() if x.startswith("error:")]
    assert len(errors) == 1 and "cannot reach" in errors[0] and "2 score(s) kept" in errors[0], done.stderr
    assert [row[1] for row in outbox(tmp_path / "state.sqlite")] == ["pending", "pending"]

    platform.start()  # back, on the same address
    requests.get(platform.url + "/_test/fail", params={"status": 503, "count": 1}, timeout=5)
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 2 and "HTTP 503" in done.stderr  # overloaded: the first one waits again
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 0, done.stderr
    assert sorted(s["body"]["userId"] for s in platform.recorded()["scores"]) == ["sub-anna", "sub-boris"]
    assert [row[1] for row in outbox(tmp_path / "state.sqlite")] == ["sent", "sent"]


def test_a_score_the_platform_refuses_is_reported_and_the_rest_go(
    tmp_path: Path, platform: Platform, gradebook: tuple[Path, dict[str, Path]]
) -> None:
    db, _ = gradebook
    (tmp_path / "students.csv").write_text("anna,sub-nobody\nboris,sub-boris\n")  # anna's id is not in the course
    config = write_config(tmp_path, platform, push={"lineitems": f"{platform.url}/lineitems", "students": "students.csv"})
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{db}")
    assert done.returncode == 2
    assert "refused: anna (sub-nobody)" in done.stderr and "not in this course" in done.stderr
    assert [s["body"]["userId"] for s in platform.recorded()["scores"]] == ["sub-boris"]
    assert [row[1] for row in outbox(tmp_path / "state.sqlite")] == ["refused", "sent"]


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda text: text.replace("[tool]", "[tool]\nport = 1"), "unknown key 'port'"),
        (lambda text: text.replace('"tool.pem"', '"missing.pem"'), "cannot read the private key"),
        (lambda text: text.replace('client_id = "dlgrade-client-1"', ""), "client_id is missing"),
        (lambda text: text.replace('auth_token_url = "http', 'auth_token_url = "ftp'), "is not an http(s) URL"),
        (lambda text: text + "[broken", "not valid TOML"),
        (lambda text: text.replace('deployment_ids = ["deployment-7"]', "deployment_ids = 7"), "deployment_ids"),
    ],
)
def test_bad_config_is_one_error_line(tmp_path: Path, edit: Any, says: str) -> None:
    fake = Platform(tmp_path, 9, {})
    config = write_config(tmp_path, fake, push={"lineitems": "http://127.0.0.1:9/lineitems"})
    config.write_text(edit(config.read_text()))
    done = dlgrade("lti", "push", "--config", str(config), "--db", f"sqlite:///{tmp_path / 'none.sqlite'}")
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], done.stderr
    assert KEY.splitlines()[1] not in done.stderr


def test_the_key_can_come_from_the_environment_only(tmp_path: Path) -> None:
    fake = Platform(tmp_path, 9, {})
    config = write_config(tmp_path, fake)
    config.write_text(config.read_text().replace('private_key_file = "tool.pem"\n', ""))
    assert dlgrade("lti", "jwks", "--config", str(config)).returncode == 2
    done = dlgrade("lti", "jwks", "--config", str(config), env=ENV | {"DLGRADE_LTI_PRIVATE_KEY": KEY})
    assert done.returncode == 0, done.stderr
    (key,) = json.loads(done.stdout)["keys"]
    assert key == public_jwk(KEY) and "d" not in key  # the public half only
    bad = dlgrade("lti", "jwks", "--config", str(config), env=ENV | {"DLGRADE_LTI_PRIVATE_KEY": "not a key"})
    assert bad.returncode == 2 and "not an unencrypted PEM private key" in bad.stderr
    assert "not a key" not in bad.stderr  # the secret itself is never echoed


def test_keygen_writes_a_private_key_once(tmp_path: Path) -> None:
    out = tmp_path / "k.pem"
    assert dlgrade("lti", "keygen", str(out)).returncode == 0
    assert out.stat().st_mode & 0o077 == 0 and "PRIVATE KEY" in out.read_text()
    again = dlgrade("lti", "keygen", str(out))
    assert again.returncode == 2 and "never overwrites" in again.stderr


SCOPES = (SCORE, LINEITEM, LINEITEM_READ)


# ----------------------------------------------------------------------------- serve: the launch, the upload, the score
class Tool:
    """`dlgrade lti serve` in its own process, registered with the platform by its URLs."""

    def __init__(self, folder: Path, platform: Platform, port: int) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.config = write_config(folder, platform, tool={"url": self.url, "listen": f"127.0.0.1:{port}",
                                                           "retry_seconds": 1})  # fmt: skip
        command = [sys.executable, "-m", "grader.cli", "lti", "serve", "--config", str(self.config)]
        self.process = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_http(self.url + "/lti/jwks", self.process)

    def stop(self) -> str:
        self.process.terminate()
        _, err = self.process.communicate(timeout=30)
        return str(err)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Platform, Tool]]:
    tool_port = free_port()
    tool_url = f"http://127.0.0.1:{tool_port}"
    urls = {"tool_login_url": f"{tool_url}/lti/login", "tool_launch_url": f"{tool_url}/lti/launch",
            "tool_jwks_url": f"{tool_url}/lti/jwks"}  # fmt: skip
    platform = Platform(tmp_path, free_port(), urls).start()
    tool = Tool(tmp_path, platform, tool_port)
    yield platform, tool
    tool.stop()
    platform.stop()


def english() -> Any:
    """A browser whose user prefers English (what the tool speaks before a launch is verified)."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en-GB,en;q=0.9,ru;q=0.5"
    return browser


def field(page: str, name: str) -> str:
    import re

    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, page[:2000]
    from html import unescape

    return unescape(found.group(1))


def launch(
    platform: Platform, browser: Any, user: str = "sub-anna", forge: str = "", locale: str = "en-GB"
) -> tuple[Any, dict[str, str]]:
    """A student opens the activity: the platform's login start, the tool's redirect to the
    platform's authorization endpoint, its auto-posting form (what a browser submits), posted."""
    query = {"user": user, "resource": "rl-dropout", "forge": forge, "locale": locale}
    page = browser.get(platform.url + "/start", params=query, timeout=10)
    assert page.status_code == 200, page.text
    form = {"id_token": field(page.text, "id_token"), "state": field(page.text, "state")}
    tool_launch = json.loads(platform.settings.read_text())["tool_launch_url"]
    return browser.post(tool_launch, data=form, timeout=10), form


def test_a_launch_grades_the_upload_and_the_platform_gets_the_score(tmp_path: Path, served: tuple[Platform, Tool]) -> None:
    platform, tool = served
    browser = english()  # carries the tool's state cookie, as a browser does
    page, _ = launch(platform, browser)
    assert page.status_code == 200, page.text
    assert "Anna" in page.text and "dropout" in page.text
    launch_id = field(page.text, "launch_id")
    (tmp_path / "mine.py").write_text(DROPOUT_BUG, encoding="utf-8")
    graded = browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},
                          files={"submission": ("dropout.py", DROPOUT_BUG.encode())}, timeout=120)  # fmt: skip
    assert graded.status_code == 200, graded.text
    report = grade_json(tmp_path / "mine.py", lang="en")
    assert 0 < report["score"] < report["max_score"]
    assert f"{report['score']:g} of {report['max_score']:g}" in graded.text
    failing = [t for t in report["topics"]["dropout"]["tests"] if t["outcome"] != "pass"]
    assert failing and all(escape(str(t["title"])) in graded.text for t in failing)
    assert escape("sent to the course's gradebook") in graded.text
    (score,) = platform.recorded()["scores"]
    assert score["lineitem"] == "1" and score["body"]["userId"] == "sub-anna"
    assert (score["body"]["scoreGiven"], score["body"]["scoreMaximum"]) == (report["score"], report["max_score"])

    again = browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},  # a fix, from the same page
                         files={"submission": ("dropout.py", DROPOUT.encode())}, timeout=120)  # fmt: skip
    assert again.status_code == 200 and "36 of 36" in again.text, again.text
    assert [s["body"]["scoreGiven"] for s in platform.recorded()["scores"]] == [report["score"], 36]
    assert KEY.splitlines()[1] not in tool.stop()
    with sqlite3.connect(tmp_path / "gradebook.sqlite") as db:  # both grades kept, the fix counting
        runs = db.execute("SELECT students.name, submissions.assignment, runs.score, runs.counts, runs.changed "
                          "FROM runs JOIN submissions ON runs.submission_id = submissions.id "
                          "JOIN students ON submissions.student_id = students.id ORDER BY runs.id").fetchall()  # fmt: skip
    assert runs == [("anna", "dropout", report["score"], 0, ""), ("anna", "dropout", 36.0, 1, "content")]


def test_the_page_speaks_the_launchs_language_or_the_courses(served: tuple[Platform, Tool]) -> None:
    platform, _ = served
    russian, _ = launch(platform, requests.Session(), user="sub-boris", locale="ru-RU")
    assert 'lang="ru"' in russian.text and "Сдать на проверку" in russian.text
    unsaid, _ = launch(platform, requests.Session(), user="sub-vera", locale="")
    assert 'lang="ru"' in unsaid.text  # the course's language (the shipped course is Russian)
    english, _ = launch(platform, requests.Session(), locale="en-US")
    assert 'lang="en"' in english.text and "Submit and grade" in english.text


@pytest.mark.parametrize("forge", ["wrong_key", "wrong_aud", "expired", "wrong_deployment", "no_nonce"])
def test_a_forged_launch_is_refused(served: tuple[Platform, Tool], forge: str) -> None:
    platform, _ = served
    page, _ = launch(platform, english(), forge=forge)
    assert page.status_code == 403, page.text
    assert "could not be verified" in page.text and "launch_id" not in page.text


def test_a_replayed_launch_is_refused(served: tuple[Platform, Tool]) -> None:
    """The id_token and state of a launch, posted a second time (the same browser, its cookie
    too): the nonce is used up."""
    platform, _ = served
    browser = english()
    page, form = launch(platform, browser)
    assert page.status_code == 200, page.text
    tool_launch = json.loads(platform.settings.read_text())["tool_launch_url"]
    replay = browser.post(tool_launch, data=form, timeout=10)
    assert replay.status_code == 403 and "launch_id" not in replay.text, replay.text


def test_uploads_without_a_launch_or_of_the_wrong_kind_are_refused(served: tuple[Platform, Tool]) -> None:
    platform, tool = served
    browser = english()
    made_up = browser.post(tool.url + "/lti/submit", data={"launch_id": "lti1p3-launch-made-up"},
                           files={"submission": ("dropout.py", DROPOUT.encode())}, timeout=30)  # fmt: skip
    assert made_up.status_code == 403 and "expired" in made_up.text
    page, _ = launch(platform, browser)
    launch_id = field(page.text, "launch_id")
    wrong = browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},
                         files={"submission": ("dropout.exe", b"MZ")}, timeout=30)  # fmt: skip
    assert wrong.status_code == 400 and ".py, .ipynb or .zip" in wrong.text
    broken = browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},
                          files={"submission": ("x.zip", b"PK\x03\x04 not a zip")}, timeout=30)  # fmt: skip
    assert broken.status_code == 400 and "could not be read" in broken.text and "launch_id" in broken.text
    huge = browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},
                        files={"submission": ("dropout.py", b"#" * (9 << 20))}, timeout=30)  # fmt: skip
    assert huge.status_code == 413
    assert platform.recorded()["scores"] == []


def upload_while_the_platform_answers(served: tuple[Platform, Tool], status: int) -> Any:
    """Anna's launch and upload of the right dropout.py, the platform answering ``status`` to
    the score's first POST: the page the student gets."""
    platform, tool = served
    browser = english()
    page, _ = launch(platform, browser)
    launch_id = field(page.text, "launch_id")
    requests.get(platform.url + "/_test/fail", params={"status": status, "count": 1}, timeout=5)
    return browser.post(tool.url + "/lti/submit", data={"launch_id": launch_id},
                        files={"submission": ("dropout.py", DROPOUT.encode())}, timeout=120)  # fmt: skip


def test_a_score_the_platform_cannot_take_now_is_posted_by_the_retry_loop(served: tuple[Platform, Tool]) -> None:
    platform, _ = served
    graded = upload_while_the_platform_answers(served, 503)
    assert graded.status_code == 200 and "sent again automatically" in graded.text, graded.text
    deadline = time.monotonic() + 30
    while not platform.recorded()["scores"] and time.monotonic() < deadline:
        time.sleep(0.3)
    (score,) = platform.recorded()["scores"]
    assert score["body"]["userId"] == "sub-anna" and score["body"]["scoreGiven"] == 36


def test_a_score_the_platform_refuses_is_said_on_the_students_page(served: tuple[Platform, Tool]) -> None:
    """A 422 is final: the page says the course refused this student's score, and why (the
    refusal found for this score in the flush, not any refusal's text)."""
    platform, _ = served
    graded = upload_while_the_platform_answers(served, 422)
    assert graded.status_code == 200, graded.text
    assert "refused the score" in graded.text and "422" in graded.text, graded.text
    assert "sent to the course" not in graded.text and platform.recorded()["scores"] == []


def test_serve_refuses_to_start_without_the_strong_jail(tmp_path: Path) -> None:
    """No bubblewrap on PATH and no opt-in: one error line at start, never a page that fails
    at each student's upload."""
    config = write_config(tmp_path, Platform(tmp_path, 9, {}), tool={"url": "http://127.0.0.1:9", "listen": "127.0.0.1:9"})
    done = dlgrade("lti", "serve", "--config", str(config), env=ENV | {"PATH": str(tmp_path)}, timeout=60)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error:") and "bubblewrap" in line and "--jail plain" in line
