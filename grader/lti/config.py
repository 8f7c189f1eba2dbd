"""The LTI tool's settings: a TOML file (``--config FILE``, or ``DLGRADE_LTI_CONFIG``) and the
environment. The tool's private key is read from a file the config names, or from the
environment (``DLGRADE_LTI_PRIVATE_KEY``: the PEM itself; ``DLGRADE_LTI_PRIVATE_KEY_FILE``), never
from a command line and never written to a log. Anything wrong is one ConfigError (exit 2) that
names the file, the key and what to do."""

from __future__ import annotations

import base64
import csv
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from grader.errors import ConfigError
from grader.tomlfile import read_toml

SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"

ENV_KEY = "DLGRADE_LTI_PRIVATE_KEY"
ENV_KEY_FILE = "DLGRADE_LTI_PRIVATE_KEY_FILE"
ENV_CONFIG = "DLGRADE_LTI_CONFIG"


@dataclass(frozen=True)
class Platform:
    """One registration of the tool in a platform (a Moodle site, a Canvas instance)."""

    issuer: str
    client_id: str
    deployment_ids: tuple[str, ...]
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    auth_audience: str = ""
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.issuer


@dataclass(frozen=True)
class Push:
    """What ``dlgrade lti push`` posts, and where."""

    platform: Platform
    lineitems: str  # the course's line-item container (find or create a column per assignment)
    lineitem: dict[str, str]  # an assignment (or topic) -> its line item's URL, where given
    students: dict[str, str]  # a gradebook student id -> the LTI user id (``sub``)
    columns: str  # "assignment" (one column per assignment) or "topic"


@dataclass(frozen=True)
class Config:
    path: Path
    private_key_pem: str = field(repr=False)  # never printed: repr leaves it out
    platforms: tuple[Platform, ...]
    url: str  # the tool's public base URL (what platforms are given)
    listen: tuple[str, int]
    state: Path  # the outbox and the launches (SQLite)
    db: str  # the gradebook that serve records its grades in
    course: Path | None
    jail: str | None
    lang: str | None
    timeout: float
    retry_seconds: float  # serve posts what waits in the outbox this often
    push: Push | None

    @property
    def public_jwk(self) -> dict[str, Any]:
        return public_jwk(self.private_key_pem)

    def platform(self, issuer: str, client_id: str | None = None) -> Platform | None:
        for platform in self.platforms:
            if platform.issuer == issuer and (client_id is None or platform.client_id == client_id):
                return platform
        return None


def _b64(number: int) -> str:
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def public_jwk(private_key_pem: str) -> dict[str, Any]:
    """The tool's public key as a JWK, its ``kid`` the RFC 7638 thumbprint (the same key always
    gets the same kid, so a platform that cached the JWKS keeps finding it)."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    key = load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)  # load_config refused any other
    numbers = key.public_key().public_numbers()
    members = {"e": _b64(numbers.e), "kty": "RSA", "n": _b64(numbers.n)}
    thumbprint = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode()).digest()
    kid = base64.urlsafe_b64encode(thumbprint).rstrip(b"=").decode()
    return members | {"kid": kid, "alg": "RS256", "use": "sig"}


def new_private_key() -> str:
    """A fresh 2048-bit RSA key, PEM (PKCS#8), for ``dlgrade lti keygen``."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()  # fmt: skip


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, what: str) -> ConfigError:
        return ConfigError(f"{self.path}: {where}: {what}")

    def table(self, data: dict[str, Any], where: str, allowed: set[str]) -> dict[str, Any]:
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.fail(where, f"unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")
        return data

    def text(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if value is None:
            raise self.fail(where, f"{key} is missing")
        if not isinstance(value, str):
            raise self.fail(where, f"{key} must be a string, not {type(value).__name__}")
        return value

    def url(self, data: dict[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = self.text(data, key, where, default)
        if value == "" and default == "":
            return ""
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(where, f"{key} {value!r} is not an http(s) URL")
        return value

    def file(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.path.parent / path


_TOOL = {"url", "listen", "private_key_file", "state", "db", "course", "jail", "lang", "timeout", "retry_seconds"}
_PLATFORM = {"name", "issuer", "client_id", "deployment_ids", "auth_login_url", "auth_token_url", "key_set_url",
             "auth_audience"}  # fmt: skip
_PUSH = {"issuer", "client_id", "lineitems", "lineitem", "students", "columns"}


def _private_key(reader: _Reader, tool: dict[str, Any]) -> str:
    """The PEM: the environment first (a secret store's way), then the config's file."""
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    source, pem = ENV_KEY, os.environ.get(ENV_KEY, "")
    if not pem:
        if os.environ.get(ENV_KEY_FILE):
            path = Path(os.environ[ENV_KEY_FILE])
        elif "private_key_file" in tool:
            path = reader.file(reader.text(tool, "private_key_file", "[tool]"))
        else:
            raise reader.fail("[tool]", f"no private key: set private_key_file (`dlgrade lti keygen FILE` makes one) or "
                              f"{ENV_KEY} / {ENV_KEY_FILE} in the environment")  # fmt: skip
        source = str(path)
        try:
            pem = path.read_text(encoding="ascii")
        except (OSError, UnicodeDecodeError) as error:
            raise reader.fail("[tool]", f"cannot read the private key {path} ({getattr(error, 'strerror', error)})") from None
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError):
        raise reader.fail("[tool]", f"the private key from {source} is not an unencrypted PEM private key") from None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < 2048:
        raise reader.fail("[tool]", f"the private key from {source} must be RSA of 2048 bits or more (LTI signs with RS256)")
    return pem


def _platform(reader: _Reader, data: Any, where: str) -> Platform:
    if not isinstance(data, dict):
        raise reader.fail(where, "must be a table")
    reader.table(data, where, _PLATFORM)
    ids = data.get("deployment_ids")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not ids or not all(isinstance(i, str | int) for i in ids):
        raise reader.fail(where, "deployment_ids must be a list of the deployment ids the platform gave (strings)")
    return Platform(
        issuer=reader.text(data, "issuer", where), client_id=reader.text(data, "client_id", where),
        deployment_ids=tuple(str(i) for i in ids), auth_login_url=reader.url(data, "auth_login_url", where),
        auth_token_url=reader.url(data, "auth_token_url", where), key_set_url=reader.url(data, "key_set_url", where),
        auth_audience=reader.text(data, "auth_audience", where, ""), name=reader.text(data, "name", where, ""),
    )  # fmt: skip


def _students(reader: _Reader, value: str) -> dict[str, str]:
    """A CSV of ``student,lti_user_id`` (a header row of those names is allowed)."""
    path = reader.file(value)
    try:
        with path.open(encoding="utf-8", newline="") as stream:
            rows = list(csv.reader(stream))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise reader.fail("[push] students", f"cannot read {path} ({getattr(error, 'strerror', error)})") from None
    mapping: dict[str, str] = {}
    for number, row in enumerate(rows, 1):
        if not row or (number == 1 and [c.strip().lower() for c in row[:2]] == ["student", "lti_user_id"]):
            continue
        if len(row) < 2 or not row[0].strip() or not row[1].strip():
            raise reader.fail("[push] students", f"{path} line {number}: want `student,lti_user_id`")
        mapping[row[0].strip()] = row[1].strip()
    return mapping


def load_config(path: Path | None) -> Config:
    named = path or (Path(os.environ[ENV_CONFIG]) if os.environ.get(ENV_CONFIG) else None)
    if named is None:
        raise ConfigError(f"no LTI config: give --config FILE (or {ENV_CONFIG}); docs/lti.md shows one")
    reader = _Reader(named)
    data = read_toml(named, str(named))
    reader.table(data, "the file", {"tool", "platforms", "push"})
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise reader.fail("[tool]", "must be a table")
    reader.table(tool, "[tool]", _TOOL)
    platforms = data.get("platforms", [])
    if not isinstance(platforms, list) or not platforms:
        raise reader.fail("[[platforms]]", "register at least one platform (issuer, client_id, deployment_ids, URLs)")
    parsed = tuple(_platform(reader, p, f"[[platforms]] #{i + 1}") for i, p in enumerate(platforms))
    seen = set()
    for platform in parsed:
        if (platform.issuer, platform.client_id) in seen:
            raise reader.fail("[[platforms]]", f"{platform.issuer} client {platform.client_id} is registered twice")
        seen.add((platform.issuer, platform.client_id))
    listen = reader.text(tool, "listen", "[tool]", "127.0.0.1:8765")
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise reader.fail("[tool]", f"listen {listen!r} is not HOST:PORT")
    timeout = tool.get("timeout", 10)
    if not isinstance(timeout, int | float) or isinstance(timeout, bool) or not 0 < timeout <= 300:
        raise reader.fail("[tool]", "timeout must be a number of seconds, 0 < timeout <= 300")
    retry = tool.get("retry_seconds", 60)
    if not isinstance(retry, int | float) or isinstance(retry, bool) or not 0 < retry <= 86400:
        raise reader.fail("[tool]", "retry_seconds must be a number of seconds, 0 < retry_seconds <= 86400")
    lang = tool.get("lang")
    if lang is not None and lang not in ("en", "ru"):
        raise reader.fail("[tool]", f"lang must be en or ru, not {lang!r}")
    jail = tool.get("jail")
    if jail is not None and jail not in ("bwrap", "plain"):
        raise reader.fail("[tool]", f"jail must be bwrap or plain, not {jail!r}")
    state = reader.file(reader.text(tool, "state", "[tool]", "lti-state.sqlite"))
    course = tool.get("course")
    config = Config(
        path=named, private_key_pem=_private_key(reader, tool), platforms=parsed,
        url=reader.url(tool, "url", "[tool]", "").rstrip("/"), listen=(host, int(port)), state=state,
        db=reader.text(tool, "db", "[tool]", f"sqlite:///{state.with_name('gradebook.sqlite').resolve()}"),
        course=reader.file(course) if isinstance(course, str) else None, jail=jail, lang=lang,
        timeout=float(timeout), retry_seconds=float(retry), push=None,
    )  # fmt: skip
    if "push" in data:
        object.__setattr__(config, "push", _push(reader, data["push"], config))
    return config


def _push(reader: _Reader, data: Any, config: Config) -> Push:
    if not isinstance(data, dict):
        raise reader.fail("[push]", "must be a table")
    reader.table(data, "[push]", _PUSH)
    issuer = data.get("issuer")
    if issuer is None:
        if len(config.platforms) != 1:
            raise reader.fail("[push]", "issuer is missing (there is more than one platform: say which one gets the grades)")
        platform: Platform | None = config.platforms[0]
    else:
        client = data.get("client_id")
        platform = config.platform(str(issuer), str(client) if client is not None else None)
        if platform is None:
            raise reader.fail("[push]", f"issuer {issuer!r} is not one of [[platforms]]")
    assert platform is not None
    lineitem = data.get("lineitem", {})
    if not isinstance(lineitem, dict):
        raise reader.fail("[push] lineitem", "must be a table of assignment = line item URL")
    urls = {str(k): reader.url(lineitem, k, "[push] lineitem") for k in lineitem}
    lineitems = reader.url(data, "lineitems", "[push]", "")
    if not lineitems and not urls:
        raise reader.fail("[push]", "give lineitems (the course's line items URL, from a launch's AGS claim or the "
                          "platform) or a [push.lineitem] table: nowhere to post the grades")  # fmt: skip
    columns = reader.text(data, "columns", "[push]", "assignment")
    if columns not in ("assignment", "topic"):
        raise reader.fail("[push]", f"columns must be assignment or topic, not {columns!r}")
    students = _students(reader, reader.text(data, "students", "[push]")) if "students" in data else {}
    return Push(platform, lineitems, urls, students, columns)
