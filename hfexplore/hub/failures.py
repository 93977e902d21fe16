"""What a failed exchange with the Hub means, as a typed `HubError` whose message a user can
act on; and the short words for what went wrong on the wire, for logs and messages."""

from __future__ import annotations

from urllib.parse import urlsplit

import orjson
import requests
from urllib3.exceptions import NewConnectionError

from hfexplore.errors import (
    HubAuthError,
    HubBadRequestError,
    HubError,
    HubNotFoundError,
)


def client_error(endpoint: str, url: str, status: int, content: bytes,
                 authenticated: bool) -> HubError:
    """The error for an answer that asking again will not change (4xx but 429, or a status
    the request cannot use)."""
    detail = error_detail(content)
    where = path_of(url)
    if status in (401, 403):
        hint = (
            "check that the token is valid and has read access"
            if authenticated
            else "this needs a token: set HF_TOKEN or run `hf auth login`"
        )
        return HubAuthError(f"{endpoint} refused access to {where} (HTTP {status}); {hint}",
                            url=url, status=status)
    if status == 404:
        return HubNotFoundError(f"{endpoint} has no {where} (HTTP 404){detail}",
                                url=url, status=status)
    if status == 400:
        return HubBadRequestError(f"{endpoint} rejected {where} (HTTP 400){detail}",
                                  url=url, status=status)
    return HubError(f"{endpoint} answered HTTP {status} for {where}{detail}",
                    url=url, status=status)


def rate_limit_message(endpoint: str, url: str, waited_up_to: float,
                       authenticated: bool) -> str:
    advice = (
        "a PRO or Enterprise token has a higher quota; otherwise try again later"
        if authenticated
        else "set HF_TOKEN (or run `hf auth login`) for a higher quota, or try again later"
    )
    return (
        f"{endpoint} is still rate-limiting us (HTTP 429) on {path_of(url)} after waiting "
        f"up to {waited_up_to:.0f}s; {advice}"
    )


def origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def path_of(url: str) -> str:
    """The path of a URL for messages; the query (expand lists, cursors) is noise there."""
    parts = urlsplit(url)
    return parts.path + (" (a later page)" if "cursor=" in parts.query else "")


def is_connect_failure(exc: requests.ConnectionError) -> bool:
    """True when no connection was ever made (DNS failure, refused, unreachable)."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, NewConnectionError | ConnectionRefusedError):
            return True
        stack.extend([getattr(current, "reason", None), current.__cause__, current.__context__])
        stack.extend(arg for arg in current.args if isinstance(arg, BaseException))
    return False


def reason(exc: BaseException) -> str:
    """A network failure in a few words ("connection refused"), else the exception's type."""
    text = str(exc)
    for marker in ("Failed to resolve", "Connection refused", "Connection reset",
                   "Name or service not known", "Temporary failure in name resolution",
                   "IncompleteRead", "Connection aborted", "Network is unreachable"):
        if marker in text:
            return marker.lower()
    return type(exc).__name__


def broken_exchange(exc: requests.RequestException, timeout: float) -> str:
    """What went wrong when a request or the reading of its body raised."""
    if isinstance(exc, requests.ConnectionError):
        return f"connection broken ({reason(exc)})"
    if isinstance(exc, requests.Timeout):
        return f"no answer within {timeout:g}s"
    return f"broken response ({reason(exc)})"


def error_detail(content: bytes) -> str:
    try:
        body = orjson.loads(content)
    except ValueError:
        text = content.decode("utf-8", "replace").strip().splitlines()
        return f": {text[0][:200]}" if text else ""
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return f": {body['error'][:200]}"
    return ""
