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


def grade_json(path: Path) -> dict[str, Any]:
    done = dlgrade("grade", str(path), "--topic", "dropout", "--format", "json")
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
