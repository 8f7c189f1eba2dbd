"""A local XQueue for the tests, written from the sources of the two servers that speak the
protocol (run as its own process: ``python tests/xqueue_server.py --flavour xqueue --port 0``).

``xqueue``: openedx/xqueue (``submission_queue/views.py``, ``ext_interface.py``). Every reply is
HTTP 200 with the envelope ``{"return_code": 0|1, "content": ...}``; ``@login_required`` sends an
anonymous caller to ``LOGIN_URL`` (302 to ``/xqueue/login/?next=...``, whose GET answers
``login_required``); ``put_result`` is ``csrf_exempt``; a pulled submission that is not answered
is handed out again after ``SUBMISSION_PROCESSING_DELAY`` with a new ``submission_key``.

``submissions``: openedx/edx-submissions (``submissions/views/xqueue.py``, DRF). Real status codes
(400 bad input, 401 bad credentials, 403 anonymous or wrong key, 404 unknown submission); GET
``login/`` sets the ``csrftoken`` cookie and ``put_result`` needs it back as ``X-CSRFToken``
(SessionAuthentication enforces CSRF); no ``get_queuelen``; the ``grader_payload`` keeps only
``grader``; a stale pulled submission comes back with the same ``pullkey``.

Both keep their state in SQLite (``--state FILE``), so a server stopped and started again still
has its queue, as the real ones have their database. The LMS side is ``/lms/...`` (not part of
either protocol): push a submission, read every result posted (each post, duplicates included),
serve uploaded files, forget every session (as an expiry would)."""

from __future__ import annotations

import argparse
import json
import secrets
import sqlite3
import sys
import threading
import time
from typing import Any

from flask import Flask, Response, redirect, request

SCHEMA = """
create table if not exists submissions (
    id integer primary key autoincrement, queue text, body text, files text,
    arrival real, pull_time real, pullkey text, retired integer default 0);
create table if not exists results (
    id integer primary key autoincrement, submission_id integer, header text, body text, at real);
create table if not exists sessions (id text primary key, user text);
create table if not exists uploads (id integer primary key autoincrement, name text, content blob);
"""


def make_app(flavour: str, state: str, user: str, password: str, queues: list[str], delay: float) -> Flask:
    app = Flask(__name__)
    lock = threading.Lock()
    db = sqlite3.connect(state, check_same_thread=False, isolation_level=None)
    db.executescript(SCHEMA)
    classic = flavour == "xqueue"

    def reply(success: bool, content: Any, status: int = 200) -> Response:
        # xqueue: always 200 (compose_reply in an HttpResponse); edx-submissions: its status
        body = json.dumps({"return_code": 0 if success else 1, "content": content})
        return Response(body, status=200 if classic else status, content_type="application/json")

    def logged_in() -> bool:
        sid = request.cookies.get("sessionid", "")
        with lock:
            return db.execute("select 1 from sessions where id = ?", (sid,)).fetchone() is not None

    def anonymous() -> Response:
        if classic:  # django.contrib.auth.decorators.login_required, LOGIN_URL = '/xqueue/login/'
            return redirect(f"/xqueue/login/?next={request.full_path}", code=302)  # type: ignore[return-value]
        return Response(json.dumps({"detail": "Authentication credentials were not provided."}), status=403,
                        content_type="application/json")  # fmt: skip

    @app.route("/xqueue/login/", methods=["GET", "POST"])
    def login() -> Response:
        if request.method == "GET":
            if classic:
                return reply(False, "login_required")
            response = reply(True, "")
            if "csrftoken" not in request.cookies:
                response.set_cookie("csrftoken", secrets.token_hex(16))
            return response
        form = request.form
        if "username" not in form or "password" not in form:
            return reply(False, "Insufficient login info", 400)
        if form["username"] != user or form["password"] != password:
            return reply(False, "Incorrect login credentials", 401)
        sid = secrets.token_hex(16)
        with lock:
            db.execute("insert into sessions values (?, ?)", (sid, user))
        response = reply(True, "Logged in")
        response.set_cookie("sessionid", sid, httponly=True)
        return response

    @app.route("/xqueue/logout/", methods=["GET", "POST"])
    def logout() -> Response:
        with lock:
            db.execute("delete from sessions where id = ?", (request.cookies.get("sessionid", ""),))
        return reply(True, "Goodbye")

    def available(queue: str) -> str:
        # an unretired submission never pulled, or pulled longer ago than the delay
        return (f"from submissions where queue = {queue!r} and retired = 0 and "
                f"(pull_time is null or pull_time < {time.time() - delay})")  # fmt: skip

    if classic:

        @app.route("/xqueue/get_queuelen/")
        def get_queuelen() -> Response:
            if not logged_in():
                return anonymous()
            queue = request.args.get("queue_name")
            if queue is None:
                return reply(False, "'get_queuelen' must provide parameter 'queue_name'")
            if queue not in queues:
                return reply(False, "Valid queue names are: " + ", ".join(queues))
            with lock:
                (count,) = db.execute("select count(*) " + available(queue)).fetchone()
            return reply(True, count)

    @app.route("/xqueue/get_submission/")
    def get_submission() -> Response:
        if not logged_in():
            return anonymous()
        queue = request.args.get("queue_name")
        if not queue:
            return reply(False, "'get_submission' must provide parameter 'queue_name'", 400)
        if classic and queue not in queues:
            return reply(False, f"Queue '{queue}' not found")
        with lock:
            row = db.execute("select id, body, files, pullkey " + available(queue) + " order by arrival limit 1").fetchone()
            if row is None:
                return reply(False, f"Queue '{queue}' is empty")
            sid, body, files, key = row
            if classic or not key:  # xqueue: a new key every pull; edx-submissions: made once, when pulled
                key = secrets.token_hex(16)
            db.execute("update submissions set pull_time = ?, pullkey = ? where id = ?", (time.time(), key, sid))
        if not classic:  # ExternalGraderDetail keeps only the grader's file name
            data = json.loads(body)
            payload = json.loads(data.get("grader_payload") or "{}")
            grader = payload.get("grader", "") if isinstance(payload, dict) else ""
            body = json.dumps({"grader_payload": json.dumps({"grader": grader}),
                               "student_info": data.get("student_info", "{}"),
                               "student_response": data.get("student_response", "")})  # fmt: skip
        payload = {"xqueue_header": json.dumps({"submission_id": sid, "submission_key": key}), "xqueue_body": body,
                   "xqueue_files": files}  # fmt: skip
        return reply(True, json.dumps(payload))

    @app.route("/xqueue/put_result/", methods=["GET", "POST"])
    def put_result() -> Response:
        if not logged_in():
            return anonymous()
        if request.method != "POST":
            if classic:
                return reply(False, "'put_result' must use HTTP POST")
            return Response(json.dumps({"detail": 'Method "GET" not allowed.'}), status=405)
        if not classic:  # SessionAuthentication.enforce_csrf: the cookie's token back in the header
            token = request.cookies.get("csrftoken")
            if not token or request.headers.get("X-CSRFToken") != token:
                return Response(json.dumps({"detail": "CSRF Failed: CSRF token missing."}), status=403,
                                content_type="application/json")  # fmt: skip
        header, body = request.form.get("xqueue_header"), request.form.get("xqueue_body")
        try:
            parsed = json.loads(header or "")
            sid, key = int(parsed["submission_id"]), parsed["submission_key"]
            if not classic:
                json.loads(body or "").get("score")
        except (TypeError, ValueError, KeyError, AttributeError):
            return reply(False, "Incorrect reply format", 400)
        if body is None:
            return reply(False, "Incorrect reply format", 400)
        with lock:
            row = db.execute("select pullkey from submissions where id = ?", (sid,)).fetchone()
            if row is None:
                return reply(False, "Submission does not exist", 404)
            if not row[0] or key != row[0]:
                return reply(False, "Incorrect key for submission", 403)
            db.execute("update submissions set retired = 1 where id = ?", (sid,))
            db.execute("insert into results (submission_id, header, body, at) values (?, ?, ?, ?)",
                       (sid, header, body, time.time()))  # fmt: skip
        return reply(True, "")

    # ------------------------------------------------------------------ the LMS side
    @app.post("/lms/push")
    def push() -> Response:
        data = request.get_json()
        files = {}
        with lock:
            for name, content in (data.get("files") or {}).items():
                cur = db.execute("insert into uploads (name, content) values (?, ?)", (name, content.encode()))
                files[name] = f"{request.host_url}lms/files/{cur.lastrowid}/{name}"
            files.update(data.get("file_urls") or {})  # a file somewhere else (a store that is down)
            body = json.dumps({
                "student_info": json.dumps({"anonymous_student_id": data.get("student", "anon"),
                                            "submission_time": str(int(time.time())), "random_seed": 1}),
                "student_response": data.get("response", ""),
                "grader_payload": json.dumps(data.get("payload", {})),
            })  # fmt: skip
            cur = db.execute("insert into submissions (queue, body, files, arrival) values (?, ?, ?, ?)",
                             (data["queue"], body, json.dumps(files), time.time()))  # fmt: skip
        return Response(json.dumps({"submission_id": cur.lastrowid}), content_type="application/json")

    @app.get("/lms/files/<int:fid>/<name>")
    def upload(fid: int, name: str) -> Response:
        with lock:
            row = db.execute("select content from uploads where id = ?", (fid,)).fetchone()
        return Response(row[0], content_type="application/octet-stream") if row else Response("", status=404)

    @app.get("/lms/results")
    def results() -> Response:
        with lock:
            rows = db.execute("select submission_id, header, body from results order by id").fetchall()
            pending = db.execute("select count(*) from submissions where retired = 0").fetchone()[0]
        posts = [{"submission_id": s, "header": json.loads(h), "body": json.loads(b)} for s, h, b in rows]
        return Response(json.dumps({"posts": posts, "unretired": pending}), content_type="application/json")

    @app.post("/lms/expire_sessions")
    def expire() -> Response:
        with lock:
            db.execute("delete from sessions")
        return Response("{}", content_type="application/json")

    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--flavour", choices=("xqueue", "submissions"), required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state", required=True)
    parser.add_argument("--user", default="grader")
    parser.add_argument("--password", default="secret")
    parser.add_argument("--queues", default="dlgrade")
    parser.add_argument("--delay", type=float, default=60.0, help="seconds before an unanswered pull comes back")
    args = parser.parse_args(argv)
    from werkzeug.serving import make_server

    app = make_app(args.flavour, args.state, args.user, args.password, args.queues.split(","), args.delay)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    print(server.server_port, flush=True)  # the tests read the port from the first line
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
