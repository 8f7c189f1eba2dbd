"""Assignment and Grade Services: scores from the outbox to the platform.

The tool asks the platform's token endpoint for an access token with a client-credentials
grant whose client assertion is a JWT signed with the tool's key (RS256, its ``kid`` in the
header: the platform checks it against the tool's JWKS or the public key it was given), then
POSTs each score (``application/vnd.ims.lis.v1.score+json``) to its line item's ``/scores``.
pylti1p3's ServiceConnector and AssignmentsGradesService do both; this module adds timeouts,
the ``kid``, a token per flush, and what each failure means for the score:

- the platform unreachable, a 5xx, 408 or 429, or the token refused: the score stays pending
  (the next flush posts it) and the flush of that platform stops, said in one line;
- the score itself refused (another 4xx: a deleted line item, an unknown user): set aside as
  refused, with the platform's answer, and reported; the others go on."""

from __future__ import annotations

import fcntl
import json
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from grader.errors import ConfigError
from grader.lti.config import LINEITEM, SCORE, Config, Platform
from grader.lti.outbox import Outbox, Queued

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
_TRANSIENT = {408, 425, 429}


class PlatformDown(Exception):
    """Nothing more can be posted to this platform now (unreachable, overloaded, or it refused
    the tool's token): the scores wait for the next flush."""


class Refused(Exception):
    """The platform refused this one score for good."""


class _TimeoutSession(requests.Session):
    """Every request bounded in time: a platform that hangs must not hang the tool."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout
        self.headers["User-Agent"] = "dlgrade-lti"

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)  # a bearer token is never sent on elsewhere
        return super().request(method, url, *args, **kwargs)


def _answer(response: requests.Response | None) -> str:
    if response is None:
        return "no answer"
    text = " ".join((response.text or "").split())[:200]
    return f"HTTP {response.status_code}" + (f": {text}" if text else "")


def _connector(config: Config, platform: Platform) -> Any:
    from pylti1p3.registration import Registration
    from pylti1p3.service_connector import ServiceConnector

    kid = config.public_jwk["kid"]

    class Connector(ServiceConnector):
        """pylti1p3's connector with the token kept for this flush and the kid in the JWT."""

        tokens: dict[str, str] = {}

        def _get_cached_access_token(self, scope_key: str) -> str | None:
            return self.tokens.get(scope_key)

        def _cache_access_token(self, scope_key: str, access_token: str, expires_in: float) -> None:
            self.tokens[scope_key] = access_token

        def encode_jwt(self, message: dict[str, str | int], private_key: str, headers: dict[str, str]) -> str:
            return str(super().encode_jwt(message, private_key, headers | {"kid": kid}))

    registration = Registration()
    registration.set_issuer(platform.issuer).set_client_id(platform.client_id)
    registration.set_auth_token_url(platform.auth_token_url).set_auth_login_url(platform.auth_login_url)
    registration.set_key_set_url(platform.key_set_url).set_tool_private_key(config.private_key_pem)
    if platform.auth_audience:
        registration.set_auth_audience(platform.auth_audience)
    connector = Connector(registration, _TimeoutSession(config.timeout))
    connector.tokens = {}
    return connector


def _token(connector: Any, platform: Platform, scopes: list[str]) -> None:
    """Get (or reuse) the access token for these scopes; any failure is PlatformDown."""
    from pylti1p3.exception import LtiServiceException

    try:
        connector.get_access_token(scopes)
    except requests.RequestException as error:
        raise PlatformDown(f"cannot reach {platform.label}'s token endpoint {platform.auth_token_url} "
                           f"({type(error).__name__})") from None  # fmt: skip
    except LtiServiceException as error:
        raise PlatformDown(f"{platform.label} refused the tool's access token request ({_answer(error.response)}); "
                           "check client_id and that the platform has the tool's JWKS URL or public key "
                           "(dlgrade lti jwks)") from None  # fmt: skip
    except (KeyError, ValueError, TypeError) as error:
        raise PlatformDown(f"{platform.label}'s token endpoint gave no usable access token ({error})") from None


def post_score(connector: Any, platform: Platform, item: Queued) -> None:
    """One score to its line item (found or made by tag when the target is a container)."""
    from pylti1p3.assignments_grades import AssignmentsGradesService
    from pylti1p3.exception import LtiException, LtiServiceException
    from pylti1p3.grade import Grade
    from pylti1p3.lineitem import LineItem

    target = item.target
    scopes = [SCORE] + ([LINEITEM] if "lineitem" not in target else [])
    _token(connector, platform, scopes)
    data: Any = {"scope": scopes, "lineitems": target.get("lineitems", ""), "lineitem": target.get("lineitem", "")}
    service = AssignmentsGradesService(connector, data)
    score = item.score
    grade = Grade()
    grade.set_score_given(score["scoreGiven"]).set_score_maximum(score["scoreMaximum"])
    grade.set_activity_progress(score["activityProgress"]).set_grading_progress(score["gradingProgress"])
    grade.set_timestamp(score["timestamp"]).set_user_id(score["userId"])
    if score.get("comment"):
        grade.set_comment(score["comment"])
    try:
        if "lineitem" in target:
            lineitem = LineItem({"id": target["lineitem"]})
        else:
            wanted = {k: target[k] for k in ("tag", "label", "scoreMaximum", "resourceId", "resourceLinkId") if k in target}
            lineitem = service.find_or_create_lineitem(LineItem(wanted))  # type: ignore[arg-type]
        for attempt in (1, 2):
            try:
                service.put_grade(grade, lineitem)
                return
            except LtiServiceException as error:
                status = error.response.status_code
                if status == 401 and attempt == 1:  # the token expired early: a fresh one, once
                    connector.tokens.clear()
                    _token(connector, platform, scopes)
                    continue
                raise
    except requests.JSONDecodeError:  # 2xx with a body that is not JSON: the score was taken
        return
    except requests.RequestException as error:
        raise PlatformDown(f"cannot reach {platform.label} to post scores ({type(error).__name__})") from None
    except LtiServiceException as error:
        status = error.response.status_code
        if status >= 500 or status in _TRANSIENT or status == 401:
            raise PlatformDown(f"{platform.label} did not take the score ({_answer(error.response)})") from None
        raise Refused(f"{platform.label} refused the score ({_answer(error.response)})") from None
    except LtiException as error:  # no line item could be found or made (a scope missing)
        raise Refused(f"{platform.label}: {error}") from None


@dataclass
class Flushed:
    sent: int = 0
    refused: list[str] = field(default_factory=list)  # each: who, where, why
    waiting: int = 0
    down: list[str] = field(default_factory=list)  # why a platform's scores wait
    # per score, keyed by score_key(user_id, target): why it was refused, or why it still waits
    refused_why: dict[tuple[str, str], str] = field(default_factory=dict)
    waiting_why: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.refused and not self.down


def score_key(user_id: str, target: dict[str, Any]) -> tuple[str, str]:
    """Which score a ``Flushed`` entry is about: the user and the line item it goes to."""
    return user_id, json.dumps(target, sort_keys=True)


# one flush at a time: two flushes reading the same pending score would both post it. In a
# process (`lti serve` flushes after each upload and from its retry loop) a lock; across
# processes (`lti serve` and a `dlgrade lti push` beside it, or two pushes) a lock on a file
# beside the outbox, which the kernel releases however its holder ends
_FLUSHING = threading.Lock()


def flush(config: Config, outbox: Outbox) -> Flushed:
    """Post every pending score; what could not be posted stays (or is refused), and says why.
    Waits for a flush of another process on the same outbox to end first."""
    with _FLUSHING, _flushing_elsewhere(outbox.path):
        return _flush(config, outbox)


@contextmanager
def _flushing_elsewhere(state: Path) -> Iterator[None]:
    lock = state.with_name(state.name + ".flush-lock")
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as error:
        raise ConfigError(f"[tool] state: cannot open {lock} to flush the scores one process at a time ({error})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _flush(config: Config, outbox: Outbox) -> Flushed:
    result = Flushed()
    connectors: dict[tuple[str, str], Any] = {}
    stopped: dict[tuple[str, str], str] = {}  # platforms found down in this flush: why
    for item in outbox.pending():
        key = (item.issuer, item.client_id)
        platform = config.platform(item.issuer, item.client_id)
        mine = score_key(item.user_id, item.target)
        if platform is None:
            outbox.failed(item.id, "its platform is no longer in the config", final=False)
            result.waiting += 1
            result.waiting_why[mine] = "its platform is no longer in the config"
            continue
        if key in stopped:
            result.waiting += 1
            result.waiting_why[mine] = stopped[key]
            continue
        connector = connectors.setdefault(key, _connector(config, platform))
        try:
            post_score(connector, platform, item)
        except PlatformDown as why:
            outbox.failed(item.id, str(why), final=False)
            stopped[key] = str(why)
            result.down.append(str(why))
            result.waiting += 1
            result.waiting_why[mine] = str(why)
            continue
        except Refused as why:
            outbox.failed(item.id, str(why), final=True)
            result.refused.append(f"{item.student} ({item.user_id}) {json.dumps(item.target)}: {why}")
            result.refused_why[mine] = str(why)
            continue
        outbox.sent(item.id)
        result.sent += 1
    return result
