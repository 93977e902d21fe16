"""Where things are: endpoint, token, cache and data directories.

Precedence everywhere: explicit argument (CLI option), then environment variable, then default.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from hfexplore.errors import DirectoryError

DEFAULT_ENDPOINT = "https://huggingface.co"
APP_NAME = "hfexplore"


def resolve_endpoint(endpoint: str | None = None) -> str:
    value = endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT
    return value.rstrip("/")


def resolve_token(token: str | None = None) -> str | None:
    """The token from --token, else huggingface_hub's lookup (HF_TOKEN or a saved login)."""
    if token:
        return token
    try:
        from huggingface_hub import get_token
    except ImportError:  # pragma: no cover - huggingface_hub is a hard dependency
        return os.environ.get("HF_TOKEN") or None
    return get_token() or None


def private_dir(path: Path, role: str = "data") -> Path:
    """Create `path` (and parents) readable by the owner only; tighten it if it exists.

    `role` ("data" or "cache") says which directory it is, for the error a user sees.
    """
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(path, 0o700)
    except OSError as exc:
        raise DirectoryError(f"cannot use {path} as the {role} directory: "
                             f"{exc.strerror or exc}", path=str(path), role=role) from exc
    return path


def resolve_cache_dir(cache_dir: str | os.PathLike[str] | None = None) -> Path:
    raw = cache_dir or os.environ.get("HFEXPLORE_CACHE") or platformdirs.user_cache_dir(APP_NAME)
    return Path(raw).expanduser()


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    raw = data_dir or os.environ.get("HFEXPLORE_HOME") or platformdirs.user_data_dir(APP_NAME)
    return Path(raw).expanduser()
