"""``dlgrade lti serve``: the LTI 1.3 tool that Moodle and Canvas launch (Flask, pylti1p3).

- ``/lti/login``: the OIDC third-party-initiated login; pylti1p3 checks the issuer and the
  client, stores a nonce and sets the state cookie, and redirects to the platform's
  authorization endpoint;
- ``/lti/launch``: the platform's form post of the ``id_token``; pylti1p3 checks the state, the
  registration, the signature against the platform's JWKS (RS256, ``exp`` and ``iat`` required),
  the deployment and the message; the nonce is then used up (pylti1p3 alone would accept the
  same launch twice) and, where ``aud`` names several clients, ``azp`` must be ours. The student
  (``sub``) and the resource link are known from here on; the page asks for their work;
- ``/lti/submit``: the upload, graded in the jail through ``grader.api.grade`` (the topic is
  the launch's custom parameter ``topic``, else every topic the work holds), the feedback
  shown, the score queued in the outbox and posted to the launch's line item (AGS);
- ``/lti/jwks``: the tool's public key, for the platform's token endpoint.

Every state it keeps (nonces, launches, the outbox) is in the SQLite file of ``[tool] state``,
never in a cookie: a replayed request finds its nonce gone. Scores that the platform did not
take are posted again by a loop every ``retry_seconds``."""

from __future__ import annotations

import html
import sys
import tempfile
import threading
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from grader.lti.config import LINEITEM, SCORE, Config
from grader.lti.outbox import Outbox, now_iso
from grader.text import L

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
MAX_UPLOAD = 8 << 20  # bytes: a zip of a whole course's exercises is well under this
KINDS = (".py", ".zip", ".ipynb")

T = {
    "title": L("dlgrade: submit your work", "dlgrade: сдача работы"),
    "hello": L("Signed in as {name}. Activity: {activity}.", "Вы вошли как {name}. Задание: {activity}."),
    "topic": L("Topic graded: {topic}.", "Проверяемая тема: {topic}."),
    "all": L("Every topic your work holds is graded.", "Проверяются все темы, которые есть в работе."),
    "upload": L(
        "Your file (.py, .ipynb, or the .zip of `dlgrade submit`):", "Ваш файл (.py, .ipynb или .zip из `dlgrade submit`):"
    ),  # fmt: skip
    "send": L("Submit and grade", "Сдать на проверку"),
    "score": L("Your score: {score} of {max}.", "Ваша оценка: {score} из {max}."),
    "sent": L("The score was sent to the course's gradebook.", "Оценка отправлена в журнал курса."),
    "later": L(
        "The course did not take the score yet ({why}); it is kept and sent again automatically.",
        "Курс пока не принял оценку ({why}); она сохранена и будет отправлена автоматически.",
    ),  # fmt: skip
    "refused": L(
        "The course refused the score ({why}); tell your instructor.", "Курс отклонил оценку ({why}); сообщите преподавателю."
    ),  # fmt: skip
    "no_ags": L(
        "This activity has no grade column, so the score stays here; tell your instructor.",
        "У этого задания нет колонки в журнале, оценка осталась здесь; сообщите преподавателю.",
    ),  # fmt: skip
    "again": L("You may submit again; the latest submission counts.", "Можно сдать ещё раз: засчитывается последняя сдача."),
    "refused_launch": L(
        "This launch could not be verified ({why}). Open the activity again from the course page.",
        "Не удалось проверить вход ({why}). Откройте задание заново со страницы курса.",
    ),  # fmt: skip
    "expired": L(
        "This page has expired. Open the activity again from the course page.",
        "Страница устарела. Откройте задание заново со страницы курса.",
    ),  # fmt: skip
    "no_file": L("Choose a file to submit.", "Выберите файл для сдачи."),
    "bad_kind": L("A submission is a .py, .ipynb or .zip file.", "Сдаётся файл .py, .ipynb или .zip."),
    "too_big": L("The file is too big (at most {mib} MiB).", "Файл слишком большой (не больше {mib} МиБ)."),
    "unreadable": L("Your file could not be read: {why}", "Не удалось прочитать файл: {why}"),
    "py_topic": L(
        "This activity names no topic: upload the .zip of `dlgrade submit`.",
        "У задания не указана тема: загрузите .zip из `dlgrade submit`.",
    ),  # fmt: skip
    "broke": L(
        "The grader failed on this submission; nothing was recorded. Try again later or tell your instructor.",
        "Проверка не удалась; ничего не записано. Попробуйте позже или сообщите преподавателю.",
    ),  # fmt: skip
    "test": L("Test", "Тест"),
    "points": L("Points", "Баллы"),
}


def _page(lang: str, body: str, status: int = 200) -> tuple[str, int, dict[str, str]]:
    title = html.escape(T["title"](lang))
    page = (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<style>body{font-family:sans-serif;max-width:46em;margin:1.5em auto;padding:0 1em}"
            "td,th{padding:.2em .6em;text-align:left;vertical-align:top}.fail{color:#a00}</style></head>"
            f"<body><h1>{title}</h1>{body}</body></html>")  # fmt: skip
    # never framed by anyone but the platform; nothing of the page cached
    return page, status, {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _lang(launch: dict[str, Any], default: str) -> str:
    locale = str((launch.get(CLAIM + "launch_presentation") or {}).get("locale", ""))
    return "ru" if locale.lower().startswith("ru") else "en" if locale else default


def _asked_lang(default: str) -> str:
    """The language of a page shown before a launch is verified (a refusal): the browser's."""
    from flask import request

    return str(request.accept_languages.best_match(["ru", "en"]) or default)


def _student(launch: dict[str, Any]) -> str:
    """The gradebook's name for the student: the institution's id where the platform gives it."""
    sourced = (launch.get(CLAIM + "lis") or {}).get("person_sourcedid")
    return str(sourced) if isinstance(sourced, str) and sourced.strip() else str(launch["sub"])


def _feedback(report: dict[str, Any], lang: str) -> str:
    """The score and the failing tests: titles, messages and hints only (what the report's
    format promises a student may read; never what the code printed)."""
    parts = [_p(T["score"](lang).format(score=f"{report['score']:g}", max=f"{report['max_score']:g}"))]
    if report.get("error"):
        parts.append(_p(str(report["error"])))
    for name, topic in report.get("topics", {}).items():
        rows = "".join(
            f'<tr class="{"fail" if t["outcome"] != "pass" else ""}"><td>{html.escape(str(t.get("title") or t["name"]))}'
            f"<br><small>{html.escape(str(t.get('message', '')))} {html.escape(' '.join(map(str, t.get('hints', []))))}"
            f"</small></td><td>{t['points']:g}/{t['max_points']:g}</td></tr>"
            for t in topic.get("tests", []) if t["outcome"] != "pass"
        )  # fmt: skip
        parts.append(f"<h2>{html.escape(name)}: {topic['score']:g}/{topic['max_score']:g}</h2>")
        if topic.get("message"):
            parts.append(_p(str(topic["message"])))
        if rows:
            parts.append(f"<table><tr><th>{T['test'](lang)}</th><th>{T['points'](lang)}</th></tr>{rows}</table>")
    return "".join(parts)


def make_app(config: Config, *, outbox: Outbox | None = None) -> Any:
    """The tool's Flask app."""
    from flask import Flask, request
    from pylti1p3.contrib.flask.message_launch import FlaskMessageLaunch
    from pylti1p3.contrib.flask.oidc_login import FlaskOIDCLogin
    from pylti1p3.contrib.flask.request import FlaskRequest as _FlaskRequest
    from pylti1p3.exception import LtiException, OIDCException, ToolConfException
    from pylti1p3.launch_data_storage.base import LaunchDataStorage
    from pylti1p3.session import SessionService
    from pylti1p3.tool_config.dict import ToolConfDict
    from werkzeug.exceptions import RequestEntityTooLarge

    from grader import __version__, api
    from grader.course import load_course, suite_version
    from grader.errors import DlgradeError, SubmissionError
    from grader.gradebook import open_gradebook
    from grader.lti.ags import flush, score_key
    from grader.lti.push import comment_of, score_body

    state = outbox or Outbox(config.state)
    book = open_gradebook(config.db)  # every graded upload is kept there too, as autograde's grades are
    course = load_course(config.course)  # a broken course is one error line at start, not at a student's upload
    default_lang = config.lang or course.lang
    settings: Any = {}
    for platform in config.platforms:
        settings.setdefault(platform.issuer, []).append({
            "client_id": platform.client_id, "auth_login_url": platform.auth_login_url,
            "auth_token_url": platform.auth_token_url, "auth_audience": platform.auth_audience or None,
            "key_set_url": platform.key_set_url, "key_set": None, "deployment_ids": list(platform.deployment_ids),
        })  # fmt: skip
    tool_conf = ToolConfDict(settings)
    for platform in config.platforms:
        tool_conf.set_private_key(platform.issuer, config.private_key_pem, client_id=platform.client_id)

    class Storage(LaunchDataStorage):  # type: ignore[type-arg]
        """pylti1p3's nonces, states and launches, in the tool's SQLite state (no cookie holds them)."""

        def get_session_cookie_name(self) -> None:
            return None

        def can_set_keys_expiration(self) -> bool:
            return True

        def get_value(self, key: str) -> Any:
            return state.get("pylti1p3:" + key)

        def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
            state.put("pylti1p3:" + key, value, exp or 86400)

        def check_value(self, key: str) -> bool:
            return state.get("pylti1p3:" + key) is not None

    class Sessions(SessionService):
        """A nonce is good for one launch, within ten minutes of its login."""

        def save_nonce(self, nonce: str) -> None:
            self.data_storage.set_value(self._get_key("nonce", nonce), True, exp=600)

        def check_nonce(self, nonce: str) -> bool:
            return state.take("pylti1p3:" + self._get_key("nonce", nonce))

    def services(flask_request: Any) -> dict[str, Any]:
        sessions = Sessions(flask_request)
        sessions.set_data_storage(Storage())
        return {"session_service": sessions, "launch_data_storage": Storage()}

    def FlaskRequest() -> Any:  # noqa: N802 (pylti1p3's name; its constructor is untyped)
        return _FlaskRequest()  # type: ignore[no-untyped-call]

    def record(data: dict[str, Any], topic: str | None, lang: str, report: dict[str, Any]) -> None:
        """The grade into the gradebook; a failure there is said in the log, never to the
        student, whose score still goes to the platform."""
        parts = {"content": report.get("content_sha256", ""), "suites": suite_version(course), "seed": "derived",
                 "limits": asdict(course.limits), "engine": __version__,
                 "options": {"jail": report.get("protections", {}).get("jail"), "lang": lang, "topic": topic}}  # fmt: skip
        try:
            book.keep(student=_student(data), assignment=topic or "", source=f"lti:{data['iss']}:{data['sub']}",
                      received_at=datetime.now(UTC), parts=parts, report=report)  # fmt: skip
        except Exception as error:  # the database went away: the platform still gets the score
            print(f"lti: the gradebook did not take {_student(data)}'s grade: {type(error).__name__}: {error}",
                  file=sys.stderr, flush=True)  # fmt: skip

    app = Flask("dlgrade-lti")
    app.config["MAX_CONTENT_LENGTH"] = MAX_UPLOAD
    base = config.url
    grading = threading.BoundedSemaphore(2)  # two grades at once on two cores; more wait their turn

    @app.route("/lti/login", methods=["GET", "POST"])
    def login() -> Any:
        flask_request = FlaskRequest()
        try:
            oidc = FlaskOIDCLogin(flask_request, tool_conf, **services(flask_request))
            return oidc.redirect(base + "/lti/launch")
        except (OIDCException, LtiException, ToolConfException) as error:
            lang = _asked_lang(default_lang)
            return _page(lang, _p(T["refused_launch"](lang).format(why=error)), 403)

    @app.post("/lti/launch")
    def launch() -> Any:
        flask_request = FlaskRequest()
        message = FlaskMessageLaunch(flask_request, tool_conf, **services(flask_request))
        message.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
        try:
            data: dict[str, Any] = dict(message.get_launch_data())
            aud = data.get("aud")
            if isinstance(aud, list) and len(aud) > 1 and data.get("azp") != message.get_client_id():
                raise LtiException("azp does not name this tool")
            if not message.is_resource_launch():
                raise LtiException("only resource link launches are supported")
        except (LtiException, ToolConfException, ValueError, KeyError) as error:
            lang = _asked_lang(default_lang)
            return _page(lang, _p(T["refused_launch"](lang).format(why=error)), 403)
        lang = _lang(data, default_lang)
        state.remember(data["iss"], message.get_client_id(), data["sub"], _student(data))
        link = data.get(CLAIM + "resource_link") or {}
        topic = (data.get(CLAIM + "custom") or {}).get("topic")
        name = data.get("name") or data.get("email") or data["sub"]
        body = _p(T["hello"](lang).format(name=name, activity=link.get("title") or link.get("id", "")))
        body += _p(T["topic"](lang).format(topic=topic) if topic else T["all"](lang))
        body += _form(message.get_launch_id(), lang)
        return _page(lang, body)

    @app.errorhandler(RequestEntityTooLarge)
    def too_big(_error: Exception) -> Any:
        lang = _asked_lang(default_lang)
        return _page(lang, _p(T["too_big"](lang).format(mib=MAX_UPLOAD >> 20)), 413)

    @app.post("/lti/submit")
    def submit() -> Any:
        flask_request = FlaskRequest()
        launch_id = request.form.get("launch_id", "")
        try:
            if not launch_id.startswith("lti1p3-launch-"):
                raise LtiException("no launch")
            message = FlaskMessageLaunch.from_cache(launch_id, flask_request, tool_conf, **services(flask_request))
            data: dict[str, Any] = dict(message.get_launch_data())
        except (LtiException, ToolConfException, KeyError):
            lang = _asked_lang(default_lang)
            return _page(lang, _p(T["expired"](lang)), 403)
        lang = _lang(data, default_lang)
        upload = request.files.get("submission")
        if upload is None or not upload.filename:
            return _page(lang, _p(T["no_file"](lang)) + _form(launch_id, lang), 400)
        suffix = Path(upload.filename).suffix.lower()
        if suffix not in KINDS:
            return _page(lang, _p(T["bad_kind"](lang)) + _form(launch_id, lang), 400)
        topic = (data.get(CLAIM + "custom") or {}).get("topic")
        topic = str(topic) if topic in course.topics else None
        if suffix == ".py" and topic is None:
            return _page(lang, _p(T["py_topic"](lang)) + _form(launch_id, lang), 400)
        with tempfile.TemporaryDirectory(prefix="dlgrade-lti-") as folder:
            path = Path(folder) / (f"{topic}{suffix}" if topic else f"submission{suffix}")  # never the student's name
            upload.save(path)
            try:
                with grading:
                    report = api.grade(path, topic=topic, lang=lang, course=course, jail=config.jail).to_json()
            except SubmissionError as error:
                return _page(lang, _p(T["unreadable"](lang).format(why=str(error).replace(str(path), upload.filename)))
                             + _form(launch_id, lang), 400)  # fmt: skip
            except DlgradeError:
                return _page(lang, _p(T["broke"](lang)) + _form(launch_id, lang), 503)
        record(data, topic, lang, report)
        body = _feedback(report, lang)
        endpoint = data.get(AGS) or {}
        scopes = endpoint.get("scope", [])
        if SCORE not in scopes or not (endpoint.get("lineitem") or (endpoint.get("lineitems") and LINEITEM in scopes)):
            return _page(lang, body + _p(T["no_ags"](lang)) + _form(launch_id, lang))
        if endpoint.get("lineitem"):
            target: dict[str, Any] = {"lineitem": endpoint["lineitem"]}
        else:  # no column of its own: one found or made by the resource link (Canvas without an assignment)
            link = data.get(CLAIM + "resource_link") or {}
            target = {"lineitems": endpoint["lineitems"], "tag": f"dlgrade:{topic or 'grade'}", "label": link_title(data),
                      "scoreMaximum": report["max_score"], "resourceLinkId": link["id"]}  # fmt: skip
        state.enqueue(issuer=data["iss"], client_id=message.get_client_id(), target=target, user_id=data["sub"],
                      student=_student(data), assignment=topic or "",
                      score=score_body(data["sub"], report["score"], report["max_score"], now_iso(),
                                       comment_of(report)))  # fmt: skip
        done = flush(config, state)
        mine = score_key(data["sub"], target)
        if mine in done.refused_why:
            body += _p(T["refused"](lang).format(why=done.refused_why[mine]))
        elif mine in done.waiting_why:
            body += _p(T["later"](lang).format(why=done.waiting_why[mine]))
        else:
            body += _p(T["sent"](lang))
        return _page(lang, body + _p(T["again"](lang)) + _form(launch_id, lang))

    @app.get("/lti/jwks")
    def jwks() -> Any:
        return {"keys": [config.public_jwk]}

    return app


def link_title(data: Any) -> str:
    link = data.get(CLAIM + "resource_link") or {}
    return str(link.get("title") or "dlgrade")


def _form(launch_id: str, lang: str) -> str:
    return (f'<form method="post" action="submit" enctype="multipart/form-data">'
            f'<input type="hidden" name="launch_id" value="{html.escape(launch_id)}">'
            f"<p><label>{html.escape(T['upload'](lang))} "
            f'<input type="file" name="submission" accept=".py,.ipynb,.zip" required></label></p>'
            f"<p><button>{html.escape(T['send'](lang))}</button></p></form>")  # fmt: skip


def retry_loop(config: Config, outbox: Outbox, every: float, stop: threading.Event) -> None:
    """Post what waits in the outbox, every ``every`` seconds, until ``stop``."""
    from grader.lti.ags import flush

    while not stop.wait(every):
        try:
            if outbox.pending():
                flush(config, outbox)
        except Exception as error:  # the loop outlives one bad round; the next one tries again
            print(f"lti: retrying the outbox failed: {type(error).__name__}: {error}", file=sys.stderr, flush=True)


def serve(config: Config) -> None:
    """Run the tool until SIGTERM or Ctrl-C; what waits in the outbox is retried meanwhile."""
    import signal

    from werkzeug.serving import make_server

    from grader.policy import grading_jail

    grading_jail(config.jail)  # fail closed at start, not at a student's upload: no strong jail, no tool
    outbox = Outbox(config.state)
    app = make_app(config, outbox=outbox)
    host, port = config.listen
    try:
        server = make_server(host, port, app, threaded=True)
    except OSError as error:
        from grader.errors import UsageError

        raise UsageError(f"[tool] listen {host}:{port}: cannot listen there ({error.strerror})") from None
    stop = threading.Event()
    retry = threading.Thread(target=retry_loop, args=(config, outbox, config.retry_seconds, stop), daemon=True)
    retry.start()
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    base = config.url
    print(f"dlgrade lti: serving on http://{host}:{port} for {base}: login {base}/lti/login, launch (redirect) "
          f"{base}/lti/launch, JWKS {base}/lti/jwks", file=sys.stderr, flush=True)  # fmt: skip
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
