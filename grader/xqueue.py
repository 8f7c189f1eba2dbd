"""``dlgrade serve xqueue``: an external grader of Open edX's XQueue protocol (openedx/xqueue, and
edx-submissions, which takes the same API over; see docs/xqueue.md).

Each worker is its own process (one grading session at a time per process, as grader.farm
wants) that logs in, pulls a submission, grades it in the jail exactly as ``dlgrade grade``
does, records it in the gradebook and posts ``{"correct", "score", "msg"}`` back.

No result is posted twice: the ledger (SQLite in the state folder) records a result as
``posting`` before it is sent and ``posted`` after; a put that may have reached the server (a
read timeout) is never retried; one that certainly did not (refused connection, a session to
renew) is. A submission is only handed out again when it was not answered, so one that comes
back is answered from the ledger (never graded twice). A worker killed mid-grade costs nothing:
the server hands the submission out again after its delay. A submission that has stopped a
worker three times is answered with an error instead of coming back forever."""

from __future__ import annotations

import html
import json
import logging
import multiprocessing
import os
import signal
import sqlite3
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import urlsplit

import click

from grader.command import handles_errors
from grader.errors import ConfigError, DlgradeError
from grader.text import L
from grader.tomlfile import read_toml

log = logging.getLogger("dlgrade.xqueue")

ENV = {"url": "DLGRADE_XQUEUE_URL", "user": "DLGRADE_XQUEUE_USER", "password": "DLGRADE_XQUEUE_PASSWORD",
       "queues": "DLGRADE_XQUEUE_QUEUE"}  # fmt: skip
MAX_ATTEMPTS = 3  # a submission that stopped a worker this often is answered with an error
MAX_FILE_BYTES = 4 << 20  # an uploaded file beyond this is not fetched
CROSSING_SECONDS = 120.0  # an answer this recent may still be on its way: not posted again
STOP_SECONDS = 30.0  # SIGTERM: what is in hand is finished within this, else left to come back

_BROKE = L("The grader could not grade this submission ({why}). It was not counted against you; "
           "please submit again, and tell your instructor if this persists.",
           "Проверяющая система не смогла проверить эту работу ({why}). Она не засчитана против вас; "
           "отправьте её ещё раз и сообщите преподавателю, если это повторится.")  # fmt: skip
_NO_TOPIC = L("this problem does not name an exercise of the course (grader_payload)",
              "задача не указывает упражнение курса (grader_payload)")  # fmt: skip
_STOPPED = L("it stopped the grader {n} times", "она {n} раза останавливала проверку")


@dataclass(frozen=True)
class Config:
    url: str
    user: str
    password: str = field(repr=False)  # never in a log line or a traceback's locals repr
    queues: tuple[str, ...]
    workers: int = 2
    state: Path = Path("dlgrade-xqueue")
    db: str = ""  # the gradebook's URL; default SQLite in the state folder
    lang: str = ""  # default: the course's
    course: str = ""
    jail: str = ""
    poll_seconds: float = 1.0  # back-off starts here on an empty queue ...
    max_poll_seconds: float = 30.0  # ... and doubles up to this (also for an unreachable server)
    timeout_seconds: float = 30.0  # of every HTTP request


def load_config(path: Path | None, environ: dict[str, str] | None = None) -> Config:
    """The [xqueue] table of a TOML file, then the environment (which wins); a ConfigError
    (exit 2) names what is wrong. The password is never put in the message."""
    env = dict(os.environ if environ is None else environ)
    data: dict[str, Any] = {}
    if path is not None:
        raw = read_toml(path, f"--config {path}")
        table = raw.get("xqueue", {})
        if not isinstance(table, dict):
            raise ConfigError(f"--config {path}: [xqueue] must be a table")
        known = set(Config.__dataclass_fields__)
        unknown = sorted(set(table) - known)
        if unknown:
            raise ConfigError(f"--config {path}: unknown setting {', '.join(unknown)} in [xqueue]; "
                              f"known: {', '.join(sorted(known))}")  # fmt: skip
        data = dict(table)
    for key, name in ENV.items():
        if env.get(name):
            data[key] = env[name]
    where = f"--config {path}" if path else "the environment"
    for key in ("url", "user", "password", "queues"):
        if not data.get(key):
            raise ConfigError(f"no {key} for the XQueue: set {key} in [xqueue] of the config or {ENV[key]}")
    queues = data["queues"]
    if isinstance(queues, str):
        queues = [q.strip() for q in queues.split(",") if q.strip()]
    if not isinstance(queues, list) or not queues or not all(isinstance(q, str) and q for q in queues):
        raise ConfigError(f"{where}: queues must be a list of queue names (or comma-separated)")
    url = str(data["url"]).rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{where}: url {url!r} is not an http(s) URL like https://xqueue.example.org")
    types: dict[str, type | tuple[type, ...]] = {"workers": int, "poll_seconds": (int, float), "max_poll_seconds": (int, float),
             "timeout_seconds": (int, float), "user": str, "password": str, "state": str, "db": str,
             "lang": str, "course": str, "jail": str}  # fmt: skip
    for key, kind in types.items():
        if key in data and (not isinstance(data[key], kind) or isinstance(data[key], bool)):
            raise ConfigError(f"{where}: {key} has the wrong type ({type(data[key]).__name__})")
    if not 1 <= int(data.get("workers", 2)) <= 64:
        raise ConfigError(f"{where}: workers must be between 1 and 64")
    if data.get("lang") and data["lang"] not in ("en", "ru"):
        raise ConfigError(f"{where}: lang must be en or ru")
    return Config(url=url, user=str(data["user"]), password=str(data["password"]), queues=tuple(queues),
                  workers=int(data.get("workers", 2)), state=Path(str(data.get("state", "dlgrade-xqueue"))),
                  db=str(data.get("db", "")), lang=str(data.get("lang", "")), course=str(data.get("course", "")),
                  jail=str(data.get("jail", "")), poll_seconds=float(data.get("poll_seconds", 1.0)),
                  max_poll_seconds=float(data.get("max_poll_seconds", 30.0)),
                  timeout_seconds=float(data.get("timeout_seconds", 30.0)))  # fmt: skip


# ----------------------------------------------------------------------------- the ledger
class Ledger:
    """What was answered, durably: one row per (server and queue, submission id)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, timeout=60, isolation_level=None)
        self.db.execute("pragma journal_mode=wal")
        self.db.execute("pragma synchronous=full")
        self.db.execute("create table if not exists answers (place text, submission_id text, key text, "
                        "state text, attempts integer, pid integer, body text, updated real, "
                        "primary key (place, submission_id))")  # fmt: skip

    def claim(self, place: str, sid: str, key: str) -> tuple[str, int, str]:
        """('answer', 0, body) to post a saved result again; ('skip', 0, '') when another live
        worker has it in hand, or its answer under the same key may be crossing this hand-out
        (edx-submissions keeps the key: both posts would count); else ('grade', attempts, '')."""
        self.db.execute("begin immediate")
        try:
            row = self.db.execute("select state, attempts, pid, body, key, updated from answers where place = ? "
                                  "and submission_id = ?", (place, sid)).fetchone()  # fmt: skip
            other = row is not None and row[2] != os.getpid() and _alive(int(row[2]))
            if row is not None and row[0] == "grading" and other:
                return "skip", 0, ""
            if row is not None and row[0] in ("posting", "posted") and row[3]:
                if row[4] == key and other and time.time() - float(row[5]) < CROSSING_SECONDS:
                    return "skip", 0, ""
                # it came back, so the answer did not take (XQueue retires what it takes); a new
                # key makes the old answer void, and the saved one goes out once under the new
                self.db.execute("update answers set key = ?, pid = ?, updated = ? where place = ? and "
                                "submission_id = ?", (key, os.getpid(), time.time(), place, sid))  # fmt: skip
                return "answer", 0, str(row[3])
            attempts = (int(row[1]) if row is not None else 0) + 1
            self.db.execute("insert or replace into answers values (?, ?, ?, 'grading', ?, ?, '', ?)",
                            (place, sid, key, attempts, os.getpid(), time.time()))  # fmt: skip
            return "grade", attempts, ""
        finally:
            self.db.execute("commit")

    def mark(self, place: str, sid: str, state: str, body: str) -> None:
        self.db.execute("update answers set state = ?, body = ?, updated = ? where place = ? and submission_id = ?",
                        (state, body, time.time(), place, sid))  # fmt: skip


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# ----------------------------------------------------------------------------- the protocol
class Unreachable(Exception):
    """The request certainly did not reach the server (refused, a 5xx): safe to send again."""


class Ambiguous(Exception):
    """The request may have reached the server (a read timeout): never send it again."""


class Client:
    """One session with the XQueue: Django's ``sessionid`` cookie, and ``csrftoken`` where the
    server sets one (edx-submissions enforces CSRF on put_result)."""

    def __init__(self, config: Config) -> None:
        import requests

        self.config = config
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "dlgrade-xqueue"
        self.logged_in = False

    def _url(self, name: str) -> str:
        return f"{self.config.url}/xqueue/{name}/"

    def _send(self, method: str, name: str, **kwargs: Any) -> tuple[int, Any]:
        """(HTTP status, the envelope or None); a reply asking for a login raises _Relogin."""
        import requests

        try:
            response = self.http.request(method, self._url(name), timeout=self.config.timeout_seconds,
                                         allow_redirects=False, **kwargs)  # fmt: skip
        except requests.ConnectionError as error:
            # refused, or no connection made: it was not sent; a connection cut after the
            # request went out may have delivered it
            unsent = isinstance(error, requests.ConnectTimeout) or "NewConnectionError" in repr(error.args)
            if unsent or method == "GET":
                raise Unreachable(f"{name}: {type(error).__name__}") from None
            raise Ambiguous(f"{name}: the connection broke after the request was sent") from None
        except requests.Timeout:
            raise Ambiguous(f"{name}: no reply in {self.config.timeout_seconds:g} s") from None
        if response.status_code in (301, 302, 401, 403) and name != "login":
            envelope = _envelope(response.text)
            if not (isinstance(envelope, dict) and envelope.get("content") == "Incorrect key for submission"):
                raise _Relogin()
        if response.status_code >= 500:
            raise Unreachable(f"{name}: HTTP {response.status_code}")
        envelope = _envelope(response.text)
        if isinstance(envelope, dict) and envelope.get("return_code") == 1 and envelope.get("content") == "login_required":
            raise _Relogin()
        return response.status_code, envelope

    def login(self) -> None:
        if "csrftoken" not in self.http.cookies:  # edx-submissions sets it on GET; xqueue answers login_required
            try:
                self._send("GET", "login")
            except _Relogin:
                pass
        _, envelope = self._send("POST", "login", data={"username": self.config.user, "password": self.config.password})
        if not (isinstance(envelope, dict) and envelope.get("return_code") == 0):
            content = envelope.get("content") if isinstance(envelope, dict) else "no XQueue reply"
            raise LoginRefused(f"the XQueue at {self.config.url} refused the login of {self.config.user!r}: {content}")
        self.logged_in = True

    def call(self, method: str, name: str, **kwargs: Any) -> tuple[int, Any]:
        """A call, logging in first and again whenever the server asks for it (once a call)."""
        for attempt in range(2):
            if not self.logged_in:
                self.login()
            try:
                return self._send(method, name, **kwargs)
            except _Relogin:
                self.logged_in = False
                if attempt:
                    raise Unreachable(f"{name}: the server keeps asking for a login") from None
        raise AssertionError("unreachable")

    def get_submission(self, queue: str) -> dict[str, Any] | None:
        _, envelope = self.call("GET", "get_submission", params={"queue_name": queue})
        if not isinstance(envelope, dict):
            raise Unreachable("get_submission: not an XQueue reply")
        if envelope.get("return_code") != 0:
            content = str(envelope.get("content", ""))
            if content != f"Queue '{queue}' is empty":
                log.warning("get_submission on %s: %s", queue, content[:200])
            return None
        try:
            data = json.loads(envelope["content"])
        except (TypeError, ValueError, KeyError):
            log.warning("get_submission on %s: content is not JSON", queue)
            return None
        return data if isinstance(data, dict) else None

    def put_result(self, header: str, body: str) -> str:
        """'' when the server took it, else its reason (an answer it will not take: never again)."""
        headers = {"Referer": self._url("put_result")}
        token = self.http.cookies.get("csrftoken")
        if token:
            headers["X-CSRFToken"] = token
        _, envelope = self.call("POST", "put_result", data={"xqueue_header": header, "xqueue_body": body},
                                headers=headers)  # fmt: skip
        if isinstance(envelope, dict) and envelope.get("return_code") == 0:
            return ""
        return str(envelope.get("content", "")) if isinstance(envelope, dict) else "not an XQueue reply"

    def fetch_file(self, url: str) -> bytes:
        """An uploaded file, at most MAX_FILE_BYTES; only from the XQueue's own host, or from
        an http(s) URL the server named (the files' store)."""
        import requests

        if urlsplit(url).scheme not in ("http", "https"):
            raise DlgradeError(f"an uploaded file's URL is not http(s): {url[:80]!r}")
        try:
            with requests.get(url, timeout=self.config.timeout_seconds, stream=True) as response:
                response.raise_for_status()
                data = b""
                for chunk in response.iter_content(65536):
                    data += chunk
                    if len(data) > MAX_FILE_BYTES:
                        raise DlgradeError(f"an uploaded file is larger than {MAX_FILE_BYTES >> 20} MiB")
                return data
        except requests.RequestException as error:
            raise Unreachable(f"the uploaded file: {type(error).__name__}") from None


class _Relogin(Exception):
    pass


class LoginRefused(DlgradeError):
    exit_code = 2


def _envelope(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


# ----------------------------------------------------------------------------- grading
@dataclass(frozen=True)
class Pulled:
    """What a submission asks, read from its hostile JSON strings."""

    header: str
    sid: str
    key: str
    topic: str
    lang: str
    student: str
    received: datetime
    response: str
    files: dict[str, str]


def parse_pulled(data: dict[str, Any], default_lang: str) -> Pulled:
    header = data.get("xqueue_header")
    if not isinstance(header, str):
        raise ValueError("no xqueue_header")
    head = json.loads(header)
    sid, key = str(head["submission_id"]), str(head["submission_key"])

    def obj(text: Any) -> dict[str, Any]:
        try:
            value = json.loads(text) if isinstance(text, str) else text
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    body = obj(data.get("xqueue_body"))
    payload = obj(body.get("grader_payload"))
    info = obj(body.get("student_info"))
    topic = payload.get("grader") or payload.get("topic") or ""
    lang = payload.get("lang") if payload.get("lang") in ("en", "ru") else default_lang
    try:
        received = datetime.fromtimestamp(int(info.get("submission_time", 0)), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        received = datetime.now(UTC)
    files = {str(k): str(v) for k, v in obj(data.get("xqueue_files")).items()}
    student = str(info.get("anonymous_student_id") or "anonymous")[:100]
    response = body.get("student_response", "")
    return Pulled(header, sid, key, str(topic), str(lang), student, received,
                  response if isinstance(response, str) else "", files)  # fmt: skip


def feedback_fragment(report_json: dict[str, Any], student: str) -> str:
    """The student's HTML feedback (grader.reports.feedback) as the fragment edX shows under the
    problem: the page's body only, sanitized to plain markup (no script, style, link or event
    attribute) and wrapped in one element, as capa's CodeResponse parses it."""
    import nh3

    from grader.reports.feedback import feedback_html
    from grader.reports.model import Member, parse_report

    page = feedback_html(Member(student, student, parse_report(report_json, student)))
    start, end = page.find("<body>"), page.rfind("</body>")
    inner = page[start + len("<body>") : end] if start >= 0 and end > start else page
    tags = {"h1", "h2", "h3", "h4", "p", "ul", "ol", "li", "strong", "em", "code", "pre", "table", "thead",
            "tbody", "tr", "th", "td", "span", "div", "section", "br"}  # fmt: skip
    clean = nh3.clean(inner, tags=tags, attributes={"*": {"class"}}, link_rel=None, strip_comments=True)
    return f'<div class="dlgrade-feedback">{clean}</div>'


def error_body(why: str, lang: str) -> str:
    msg = f'<div class="dlgrade-feedback"><p>{html.escape(_BROKE(lang).format(why=why))}</p></div>'
    return json.dumps({"correct": False, "score": 0, "msg": msg})


class Worker:
    """One worker's grading: a grading session per (topic, language), kept open between
    submissions (grader.farm.Station), and the gradebook."""

    def __init__(self, config: Config) -> None:
        from grader.course import load_course
        from grader.gradebook import open_gradebook
        from grader.policy import grading_jail

        self.config = config
        self.course = load_course(Path(config.course) if config.course else None)
        self.lang = config.lang or self.course.lang
        self.mode, _ = grading_jail(config.jail or None)
        config.state.mkdir(parents=True, exist_ok=True)
        self.book = open_gradebook(config.db or f"sqlite:///{(config.state / 'gradebook.sqlite').resolve()}")
        self.stations: dict[tuple[str, str], Any] = {}

    def close(self) -> None:
        for station in self.stations.values():
            station.close()
        self.book.close()

    def grade(self, pulled: Pulled, client: Client) -> str:
        """The xqueue_body to post: the grade, or why there is none."""
        from grader import farm
        from grader.submission import TOPICS, load_submission

        if pulled.topic not in TOPICS or pulled.topic not in self.course.topics:
            return error_body(_NO_TOPIC(pulled.lang), pulled.lang)
        with tempfile.TemporaryDirectory(prefix="dlgrade-xqueue-") as tmp:
            path = Path(tmp) / f"{pulled.topic}.py"
            source = pulled.response.encode()
            for name, url in sorted(pulled.files.items())[:1]:  # the problem's one uploaded file
                source = client.fetch_file(url)
                if name.lower().endswith(".ipynb"):
                    path = path.with_suffix(".ipynb")
            if path.suffix == ".py" and source.lstrip().startswith(b"{") and b'"cells"' in source:
                path = path.with_suffix(".ipynb")  # a notebook pasted as text
            path.write_bytes(source)
            settings = farm.Settings(self.course, pulled.topic, None, pulled.lang, self.mode, None)
            station = self.stations.get((pulled.topic, pulled.lang))
            if station is None or station.ended:
                station = self.stations[(pulled.topic, pulled.lang)] = farm.Station(settings)
            try:
                submission = load_submission(path, pulled.topic)
            except DlgradeError as error:
                submission = farm.unreadable(self.course, path, str(error), "submission", pulled.lang)
            (report,) = station.grade([submission])
            record = report.to_json()
        self._record(pulled, record)
        if record.get("error_kind") == "internal":
            return error_body(str(record.get("error", "internal error"))[:200], pulled.lang)
        score, top = record_score(record)
        return json.dumps({"correct": bool(top) and score >= top, "score": round(score / top, 6) if top else 0.0,
                           "msg": feedback_fragment(record, pulled.student)})  # fmt: skip

    def _record(self, pulled: Pulled, record: dict[str, Any]) -> None:
        from grader import __version__
        from grader.course import suite_version

        parts = {"content": record.get("content_sha256", ""), "suites": suite_version(self.course),
                 "seed": "derived", "limits": asdict(self.course.limits), "engine": __version__,
                 "options": {"jail": self.mode, "lang": pulled.lang, "topic": pulled.topic}}  # fmt: skip
        self.book.keep(student=pulled.student, assignment=pulled.topic, source=f"xqueue:{pulled.sid}",
                       received_at=pulled.received, parts=parts, report=record)  # fmt: skip


def record_score(record: dict[str, Any]) -> tuple[float, float]:
    topics = record.get("topics", {})
    return (float(sum(t.get("score", 0.0) for t in topics.values())),
            float(sum(t.get("max_score", 0.0) for t in topics.values())))  # fmt: skip


# ----------------------------------------------------------------------------- the loop
_stop = False


def _on_term(_signum: int, _frame: FrameType | None) -> None:
    global _stop
    _stop = True


def _pause(seconds: float) -> None:
    end = time.monotonic() + seconds
    while not _stop and time.monotonic() < end:
        time.sleep(min(0.2, end - time.monotonic()))


def answer(client: Client, ledger: Ledger, place: str, pulled: Pulled, body: str) -> None:
    ledger.mark(place, pulled.sid, "posting", body)  # before: a crash from here never posts it again
    delay = 0.5
    while True:
        try:
            refused = client.put_result(pulled.header, body)
            break
        except Unreachable as error:  # it did not arrive: send again (within the stop's grace)
            if _stop and delay > STOP_SECONDS / 4:
                log.warning("submission %s: not posted (%s); it comes back to the queue", pulled.sid, error)
                return
            log.warning("submission %s: %s; posting again in %.1f s", pulled.sid, error, delay)
            time.sleep(delay)
            delay = min(delay * 2, 10.0)
        except Ambiguous as error:  # it may have arrived: never twice; if not, the queue hands it out again
            log.warning("submission %s: %s; not posted again", pulled.sid, error)
            return
    if refused:
        log.warning("submission %s: the XQueue refused the result: %s", pulled.sid, refused[:200])
    ledger.mark(place, pulled.sid, "posted", body)
    log.info("submission %s: posted", pulled.sid)


def worker_main(config: Config, index: int, parent: int) -> None:
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor turns ^C into a graceful stop
    _die_with(parent)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s worker {index} %(levelname)s %(message)s")
    client = Client(config)
    ledger = Ledger(config.state / "ledger.sqlite")
    worker = Worker(config)
    idle = {q: config.poll_seconds for q in config.queues}
    try:
        while not _stop and os.getppid() == parent:
            got_any = False
            for queue in config.queues[index % len(config.queues) :] + config.queues[: index % len(config.queues)]:
                if _stop:
                    break
                try:
                    got_any |= _one(client, ledger, worker, queue)
                    idle[queue] = config.poll_seconds
                except Unreachable as error:
                    log.warning("the XQueue at %s is unreachable (%s); trying again in %.0f s", config.url, error,
                                idle[queue])  # fmt: skip
                    _pause(idle[queue])
                    idle[queue] = min(idle[queue] * 2, config.max_poll_seconds)
                    got_any = True  # the pause is done
                except LoginRefused as error:
                    log.error("%s", error)
                    _pause(config.max_poll_seconds)
            if not got_any:
                wait = min(idle.values())
                _pause(wait)
                for queue in idle:
                    idle[queue] = min(idle[queue] * 2, config.max_poll_seconds)
    finally:
        worker.close()


def _one(client: Client, ledger: Ledger, worker: Worker, queue: str) -> bool:
    """Pull and answer one submission of ``queue``; whether there was one."""
    data = client.get_submission(queue)
    if data is None:
        return False
    try:
        pulled = parse_pulled(data, worker.lang)
    except (ValueError, KeyError, TypeError):
        log.warning("a submission of %s has no usable xqueue_header: left to the queue", queue)
        return True
    place = f"{client.config.url} {queue}"
    what, attempts, body = ledger.claim(place, pulled.sid, pulled.key)
    if what == "skip":
        return True
    if what == "grade":
        if attempts > MAX_ATTEMPTS:
            body = error_body(_STOPPED(pulled.lang).format(n=attempts - 1), pulled.lang)
        else:
            try:
                body = worker.grade(pulled, client)
            except Unreachable:
                raise
            except Exception as error:  # the grader's bug on this one: said to the student, not retried
                log.exception("submission %s broke the grader", pulled.sid)
                body = error_body(type(error).__name__, pulled.lang)
    answer(client, ledger, place, pulled, body)
    return True


def _die_with(parent: int) -> None:
    """A worker is killed with its supervisor (PR_SET_PDEATHSIG), as with kill -9 of it."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def serve(config: Config) -> int:
    """Start the workers and supervise them until SIGTERM (or ^C): then each finishes what it
    has in hand within STOP_SECONDS, or is killed and its submission comes back by itself."""
    from grader.policy import grading_jail

    for module in ("requests", "nh3", "jinja2"):
        try:
            __import__(module)
        except ImportError:
            raise ConfigError(f"dlgrade serve xqueue needs {module}: pip install 'dlgrade[xqueue]'") from None
    grading_jail(config.jail or None)  # fail closed before any worker starts
    from grader.course import load_course

    load_course(Path(config.course) if config.course else None)
    config.state.mkdir(parents=True, exist_ok=True)
    Ledger(config.state / "ledger.sqlite").db.close()
    signal.signal(signal.SIGTERM, _on_term)
    signal.signal(signal.SIGINT, _on_term)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    context = multiprocessing.get_context("spawn")
    procs = []
    for index in range(config.workers):
        proc = context.Process(target=worker_main, args=(config, index, os.getpid()), name=f"dlgrade-xqueue-{index}")
        proc.start()
        procs.append(proc)
    log.info("serving %s on %s with %d workers", ", ".join(config.queues), config.url, config.workers)
    while not _stop:
        time.sleep(0.2)
        for index, proc in enumerate(procs):
            if not proc.is_alive() and not _stop:  # a worker died: another takes its place
                log.warning("worker %d ended (exit %s); starting another", index, proc.exitcode)
                procs[index] = context.Process(target=worker_main, args=(config, index, os.getpid()))
                procs[index].start()
                time.sleep(1.0)
    log.info("stopping: finishing what is in hand (at most %.0f s)", STOP_SECONDS)
    for proc in procs:
        if proc.pid is not None and proc.is_alive():
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join()
    return 0


@click.group(name="serve")
def serve_command() -> None:
    """Long-running graders for an LMS."""


@serve_command.command(name="xqueue")
@click.option("--config", "config_path", type=click.Path(path_type=Path, dir_okay=False),
              help="A TOML file with an [xqueue] table (url, user, password, queues, workers, state, db, "
              "lang, course, jail); DLGRADE_XQUEUE_URL, _USER, _PASSWORD, _QUEUE override it.")  # fmt: skip
@handles_errors
def xqueue_command(config_path: Path | None) -> None:
    """Grade the submissions of Open edX code problems (XQueue or edx-submissions) until
    SIGTERM: see docs/xqueue.md."""
    raise SystemExit(serve(load_config(config_path)))
