"""Where things are: endpoint, token, cache and data directories.

Precedence everywhere: explicit argument (CLI option), then environment variable, then default.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import platformdirs

from hfexplore.errors import ConfigError, DirectoryError

DEFAULT_ENDPOINT = "https://huggingface.co"
APP_NAME = "hfexplore"


def resolve_endpoint(endpoint: str | None = None) -> str:
    """The Hub URL, checked: a malformed one fails here at once, not after minutes of retries."""
    source = "the endpoint" if endpoint else "HF_ENDPOINT"
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    problem = endpoint_problem(value)
    if problem:
        shown = "(not shown: it holds credentials)" if "credentials" in problem else repr(value)
        raise ConfigError(f"{source} {shown} is not a Hub URL ({problem}); "
                          f"expected something like {DEFAULT_ENDPOINT}")
    return value.strip().rstrip("/")


def endpoint_problem(value: str) -> str | None:
    """What is wrong with an endpoint URL, or None when it is usable."""
    text = value.strip()
    if any(c.isspace() for c in text):
        return "it contains spaces"
    try:
        parts = urlsplit(text)
    except ValueError as exc:  # an unclosed IPv6 bracket, for one
        return f"it is malformed: {exc}"
    if parts.scheme.lower() not in ("http", "https"):
        return "it must start with http:// or https://"
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if not parts.hostname:
        return "it has no host name"
    if parts.username is not None or parts.password is not None:
        return "it must not carry credentials; give a token with HF_TOKEN instead"
    if parts.query or parts.fragment:
        return "it must not have a query or fragment"
    return None


def resolve_token(token: str | None = None) -> str | None:
    """The token from --token, else huggingface_hub's lookup (HF_TOKEN or a saved login)."""
    if token:
        return token
    try:
        from huggingface_hub import get_token
    except ImportError:  # pragma: no cover - huggingface_hub is a hard dependency
        return os.environ.get("HF_TOKEN") or None
    except ValueError:  # huggingface_hub parses HF_ENDPOINT on import: say what is wrong
        resolve_endpoint()
        raise
    return get_token() or None


def private_dir(path: Path, role: str = "data") -> Path:
    """Create `path` and its missing parents readable by the owner only (0700). A directory
    that exists keeps its permissions: the user chose them (even read-only).

    `role` ("data" or "cache") says which directory it is, for the error a user sees.
    """
    try:
        for directory in [*reversed(path.parents), path]:
            if directory.is_dir():
                continue
            try:
                directory.mkdir(mode=0o700)
            except FileExistsError:
                if directory.is_dir():  # made by another process meanwhile: not ours to change
                    continue
                raise
            os.chmod(directory, 0o700)  # ours, just made: the umask may have narrowed it
    except OSError as exc:
        raise DirectoryError(f"cannot use {path} as the {role} directory: "
                             f"{exc.strerror or exc}", path=str(path), role=role) from exc
    return path


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    return _directory(cache_dir, "--cache-dir", "HFEXPLORE_CACHE",
                      platformdirs.user_cache_dir(APP_NAME))


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    return _directory(data_dir, "--data-dir", "HFEXPLORE_HOME",
                      platformdirs.user_data_dir(APP_NAME))


def _directory(given: str | os.PathLike[str] | None, option: str, variable: str,
               default: str) -> Path:
    """The directory from the option, else the variable, else the default; an existing path
    that is not a directory (a file named by mistake) is a usage error, not an empty one."""
    from_variable = os.environ.get(variable)
    source, raw = (option, given) if given else (variable, from_variable) if from_variable \
        else ("the default", default)
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise ConfigError(f"{source} {str(path)!r} is not a directory (it is a file); name a "
                          "directory, or one to create")
    return path
