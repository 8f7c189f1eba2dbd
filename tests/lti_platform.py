"""A small LTI 1.3 platform (the LMS side), run by tests/test_lti.py as a separate process:
``python tests/lti_platform.py SETTINGS.json``. It does what Moodle and Canvas do to a tool:

- its own RSA key, published as a JWKS (``/jwks``);
- the third-party-initiated login (``/start?user=U&resource=R``: a redirect to the tool's login
  URL with ``iss``, ``login_hint``, ``lti_message_hint``, ``target_link_uri``, ``client_id``,
  ``lti_deployment_id``), then the OIDC authorization endpoint (``/auth``: it checks the client,
  the registered redirect URI and the hint, and answers with the auto-posting form of an
  ``id_token`` signed RS256 for the launch, ``state`` echoed);
- a token endpoint (``/token``) for the client-credentials grant: the client assertion is
  checked against the tool's JWKS (its URL, fetched at each grant, or a key it was given), for
  ``kid``, signature, ``iss`` = ``sub`` = client id, ``aud`` = this endpoint, ``exp``, ``iat``
  and a ``jti`` never seen before; only the scopes it allows are granted;
- AGS line items (``/lineitems``, GET and POST) and their ``/scores`` (bearer token with the
  score scope, ``application/vnd.ims.lis.v1.score+json``, every field checked, users of the
  course only) and ``/results``.

For the tests, ``/start`` takes ``locale=`` (the launch's presentation locale) and
``forge=`` to make the id_token wrong in one way (wrong_key,
wrong_aud, expired, wrong_deployment, no_nonce), ``/_test/scores`` lists what was posted, and
``/_test/fail?status=N&count=K`` makes the next K score POSTs answer N; ``score_seconds`` in the
settings makes each score POST take that long.

SETTINGS.json: port, client_id, deployment_id, tool_login_url, tool_launch_url, tool_jwks_url
(or tool_jwk), users ({sub: {name, email, sourcedid}}), resources ({id: {title, topic,
label, score_maximum}}), scopes (granted), and ready_file (written with the port once serving).
"""

from __future__ import annotations

import base64
import json
import secrets
import sys
import threading
import time
import uuid
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, redirect, request

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
ACTIVITY = {"Initialized", "Started", "InProgress", "Submitted", "Completed"}
GRADING = {"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"}


def _b64(number: int) -> str:
    return base64.urlsafe_b64encode(number.to_bytes((number.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def _pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def make_app(settings: dict[str, Any]) -> Flask:
    app = Flask("lti_platform")
    base = f"http://127.0.0.1:{settings['port']}"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # a forger's key
    kid = "platform-key-1"
    numbers = key.public_key().public_numbers()
    jwk = {"kty": "RSA", "e": _b64(numbers.e), "n": _b64(numbers.n), "kid": kid, "alg": "RS256", "use": "sig"}
    client_id, deployment = settings["client_id"], settings["deployment_id"]
    users: dict[str, dict[str, str]] = settings.get("users", {})
    scopes_allowed = set(settings.get("scopes", [SCORE, LINEITEM, LINEITEM_READ, RESULT_READ]))
    lock = threading.Lock()
    hints: dict[str, dict[str, str]] = {}
    tokens: dict[str, tuple[set[str], float]] = {}
    jtis: set[str] = set()
    lineitems: dict[str, dict[str, Any]] = {}
    scores: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    fail = {"status": 0, "count": 0}
    for number, (resource, info) in enumerate(settings.get("resources", {}).items(), 1):
        lineitems[str(number)] = {"id": f"{base}/lineitems/{number}", "label": info.get("label", info["title"]),
                                  "scoreMaximum": info.get("score_maximum", 100), "resourceLinkId": resource}  # fmt: skip

    def oauth_error(status: int, error: str, description: str) -> Response:
        response = jsonify({"error": error, "error_description": description})
        response.status_code = status
        return response

    @app.get("/jwks")
    def platform_jwks() -> Response:
        return jsonify({"keys": [jwk]})

    @app.get("/start")
    def start() -> Response:
        """The platform starts a launch: the third-party-initiated login to the tool."""
        user, resource = request.args["user"], request.args["resource"]
        hint = secrets.token_urlsafe(16)
        with lock:
            hints[hint] = {"user": user, "resource": resource, "forge": request.args.get("forge", ""),
                           "locale": request.args.get("locale", "")}  # fmt: skip
        query = {"iss": base, "login_hint": user, "target_link_uri": settings["tool_launch_url"],
                 "lti_message_hint": hint, "client_id": client_id, "lti_deployment_id": deployment}  # fmt: skip
        return redirect(settings["tool_login_url"] + "?" + urlencode(query))  # type: ignore[return-value]

    @app.get("/auth")
    def auth() -> Response | tuple[str, int]:
        """The OIDC authorization endpoint: the id_token of the launch, as a form post."""
        args = request.args
        for name, want in (("scope", "openid"), ("response_type", "id_token"), ("response_mode", "form_post"),
                           ("prompt", "none"), ("client_id", client_id)):  # fmt: skip
            if args.get(name) != want:
                return f"invalid_request: {name} must be {want}", 400
        if args.get("redirect_uri") != settings["tool_launch_url"]:
            return "invalid_request: redirect_uri is not registered", 400
        with lock:
            hint = hints.get(args.get("lti_message_hint", ""))
        if hint is None or args.get("login_hint") != hint["user"] or not args.get("nonce") or not args.get("state"):
            return "invalid_request: unknown hint, or no nonce or state", 400
        user, resource, forge = hint["user"], hint["resource"], hint["forge"]
        info = settings["resources"][resource]
        person = users.get(user, {})
        now = int(time.time())
        item = next(i for i in lineitems.values() if i.get("resourceLinkId") == resource)
        claims: dict[str, Any] = {
            "iss": base, "aud": client_id, "azp": client_id, "sub": user, "iat": now, "exp": now + 300,
            "nonce": args["nonce"], "name": person.get("name", user), "email": person.get("email", ""),
            CLAIM + "message_type": "LtiResourceLinkRequest", CLAIM + "version": "1.3.0",
            CLAIM + "deployment_id": deployment, CLAIM + "target_link_uri": settings["tool_launch_url"],
            CLAIM + "resource_link": {"id": resource, "title": info["title"]},
            CLAIM + "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            CLAIM + "context": {"id": "course-1", "title": "Deep learning"},
            CLAIM + "launch_presentation": {"locale": hint["locale"]} if hint["locale"] else {},
            CLAIM + "custom": {"topic": info["topic"]} if info.get("topic") else {},
            CLAIM + "lis": {"person_sourcedid": person["sourcedid"]} if person.get("sourcedid") else {},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [SCORE, LINEITEM, LINEITEM_READ, RESULT_READ], "lineitems": f"{base}/lineitems",
                "lineitem": item["id"]},
        }  # fmt: skip
        signer = key
        if forge == "wrong_key":
            signer = other
        elif forge == "wrong_aud":
            claims["aud"] = claims["azp"] = "some-other-tool"
        elif forge == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        elif forge == "wrong_deployment":
            claims[CLAIM + "deployment_id"] = "not-a-deployment"
        elif forge == "no_nonce":
            claims.pop("nonce")
        token = jwt.encode(claims, _pem(signer), algorithm="RS256", headers={"kid": kid})
        html = (f'<form id="launch" method="post" action="{escape(settings["tool_launch_url"])}">'
                f'<input type="hidden" name="id_token" value="{escape(token)}">'
                f'<input type="hidden" name="state" value="{escape(args["state"])}"></form>'
                '<script>document.getElementById("launch").submit()</script>')  # fmt: skip
        return Response(html, content_type="text/html")

    def tool_key(header_kid: str | None) -> Any:
        if "tool_jwk" in settings:
            keys = [settings["tool_jwk"]]
        else:
            keys = requests.get(settings["tool_jwks_url"], timeout=5).json()["keys"]
        for candidate in keys:
            if candidate.get("kid") == header_kid:
                return jwt.PyJWK(candidate).key
        return None

    @app.post("/token")
    def token() -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials":
            return oauth_error(400, "unsupported_grant_type", "only client_credentials")
        if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return oauth_error(400, "invalid_request", "client_assertion_type must be jwt-bearer")
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            public = tool_key(header.get("kid"))
            if public is None:
                return oauth_error(401, "invalid_client", "no key of the tool has this kid")
            claims = jwt.decode(assertion, public, algorithms=["RS256"], audience=f"{base}/token",
                                options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})  # fmt: skip
        except (jwt.InvalidTokenError, requests.RequestException, ValueError, KeyError) as error:
            return oauth_error(401, "invalid_client", f"client assertion refused: {type(error).__name__}: {error}")
        if claims["iss"] != client_id or claims["sub"] != client_id:
            return oauth_error(401, "invalid_client", "iss and sub must be the client id")
        if claims["iat"] > time.time() + 60:
            return oauth_error(401, "invalid_client", "iat is in the future")
        with lock:
            if claims["jti"] in jtis:
                return oauth_error(401, "invalid_client", "jti already used")
            jtis.add(claims["jti"])
        granted = set(form.get("scope", "").split()) & scopes_allowed
        if not granted:
            return oauth_error(400, "invalid_scope", "none of the scopes asked for is allowed")
        value = secrets.token_urlsafe(24)
        with lock:
            tokens[value] = (granted, time.time() + 3600)
        return jsonify({"access_token": value, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(sorted(granted))})

    def bearer(*needed: str) -> Response | None:
        value = request.headers.get("Authorization", "")
        with lock:
            granted, until = tokens.get(value.removeprefix("Bearer "), (set(), 0.0))
        if not value.startswith("Bearer ") or until < time.time():
            return oauth_error(401, "invalid_token", "no valid access token")
        if not granted & set(needed):
            return oauth_error(403, "insufficient_scope", f"needs one of {needed}")
        return None

    @app.get("/lineitems")
    def list_lineitems() -> Response:
        if (denied := bearer(LINEITEM, LINEITEM_READ)) is not None:
            return denied
        found = [i for i in lineitems.values() if all(i.get(k) == request.args[q] for q, k in
                 (("tag", "tag"), ("resource_link_id", "resourceLinkId")) if q in request.args)]  # fmt: skip
        return Response(json.dumps(found), content_type="application/vnd.ims.lis.v2.lineitemcontainer+json")

    @app.post("/lineitems")
    def create_lineitem() -> Response | tuple[str, int]:
        if (denied := bearer(LINEITEM)) is not None:
            return denied
        if request.mimetype != "application/vnd.ims.lis.v2.lineitem+json":
            return "unsupported media type", 415
        body = request.get_json(force=True)
        if not isinstance(body.get("label"), str) or not isinstance(body.get("scoreMaximum"), int | float) \
                or body["scoreMaximum"] <= 0:  # fmt: skip
            return "a line item needs a label and scoreMaximum > 0", 400
        with lock:
            number = str(len(lineitems) + 1)
            item = {k: body[k] for k in ("label", "scoreMaximum", "tag", "resourceId", "resourceLinkId") if k in body}
            lineitems[number] = item | {"id": f"{base}/lineitems/{number}"}
        response = Response(json.dumps(lineitems[number]), content_type="application/vnd.ims.lis.v2.lineitem+json")
        response.status_code = 201
        return response

    @app.get("/lineitems/<number>")
    def get_lineitem(number: str) -> Response | tuple[str, int]:
        if (denied := bearer(LINEITEM, LINEITEM_READ)) is not None:
            return denied
        if number not in lineitems:
            return "no such line item", 404
        return Response(json.dumps(lineitems[number]), content_type="application/vnd.ims.lis.v2.lineitem+json")

    @app.post("/lineitems/<number>/scores")
    def post_score(number: str) -> Response | tuple[str, int]:
        if (denied := bearer(SCORE)) is not None:
            return denied
        with lock:
            if fail["count"] > 0:
                fail["count"] -= 1
                return "the platform is overloaded", fail["status"]
        if number not in lineitems:
            return "no such line item", 404
        if request.mimetype != "application/vnd.ims.lis.v1.score+json":
            return f"unsupported media type {request.mimetype}", 415
        body = request.get_json(force=True, silent=True)
        problem = _score_problem(body, users)
        if problem:
            with lock:
                refused.append({"lineitem": number, "body": body, "why": problem})
            return problem, 400
        time.sleep(float(settings.get("score_seconds", 0)))  # a slow platform: posts overlap
        with lock:
            scores.append({"lineitem": number, "body": body, "received": time.time()})
        return jsonify({"resultUrl": f"{base}/lineitems/{number}/results?user_id={body['userId']}"})

    @app.get("/lineitems/<number>/results")
    def results(number: str) -> Response:
        if (denied := bearer(RESULT_READ)) is not None:
            return denied
        latest: dict[str, dict[str, Any]] = {}
        for record in scores:
            if record["lineitem"] == number:
                body = record["body"]
                if body["userId"] not in latest or body["timestamp"] >= latest[body["userId"]]["timestamp"]:
                    latest[body["userId"]] = body
        return Response(json.dumps([{"userId": u, "resultScore": b["scoreGiven"], "resultMaximum": b["scoreMaximum"],
                                     "scoreOf": f"{base}/lineitems/{number}"} for u, b in latest.items()]),
                        content_type="application/vnd.ims.lis.v2.resultcontainer+json")  # fmt: skip

    @app.get("/_test/scores")
    def test_scores() -> Response:
        with lock:
            return jsonify({"scores": scores, "refused": refused, "lineitems": list(lineitems.values())})

    @app.get("/_test/fail")
    def test_fail() -> Response:
        with lock:
            fail.update(status=int(request.args["status"]), count=int(request.args["count"]))
        return jsonify(fail)

    return app


def _score_problem(body: Any, users: dict[str, Any]) -> str:
    if not isinstance(body, dict):
        return "the score is not a JSON object"
    for name in ("userId", "activityProgress", "gradingProgress", "timestamp"):
        if not isinstance(body.get(name), str):
            return f"{name} is missing"
    if body["userId"] not in users:
        return f"user {body['userId']} is not in this course"
    if body["activityProgress"] not in ACTIVITY or body["gradingProgress"] not in GRADING:
        return "activityProgress or gradingProgress is not one of the spec's values"
    try:
        stamp = datetime.fromisoformat(body["timestamp"].replace("Z", "+00:00"))
    except ValueError:
        return "timestamp is not ISO 8601"
    if stamp.tzinfo is None:
        return "timestamp has no time zone"
    given, maximum = body.get("scoreGiven"), body.get("scoreMaximum")
    if given is not None:
        if not isinstance(given, int | float) or not isinstance(maximum, int | float) or given < 0 or maximum <= 0:
            return "scoreGiven needs a scoreMaximum > 0, and both must be numbers >= 0"
    return ""


def main() -> None:
    settings = json.loads(Path(sys.argv[1]).read_text())
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", settings["port"], make_app(settings), threaded=True)
    if settings.get("ready_file"):
        Path(settings["ready_file"]).write_text(str(uuid.uuid4()))
    server.serve_forever()


if __name__ == "__main__":
    main()
