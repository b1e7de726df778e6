"""Who is trying to sign in, how long they must wait, and HR's way to end an account's wait.

The failures are counted in the store (integrations.sign_in_failures), so every web process behind
a load balancer reads and adds to the same counts.

The client is the socket peer. Only when that peer is one of ``REINTEGRATIE_TRUSTED_PROXIES`` does
``X-Forwarded-For`` count: read from the right, the first address that is not a trusted proxy is the
client. So the server must hand over the real peer: ``SERVER_OPTIONS`` turns off uvicorn's own
reading of forwarded headers (by default it believes them from 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import math
from typing import Any, Final

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from integrations.accounts import AccountRole
from integrations.sign_in_failures import SignInFailures
from web.auth import require_role
from web.error_answers import API_ERRORS, problem
from web.i18n import request_language, translator

SERVER_OPTIONS: Final[dict[str, Any]] = {"proxy_headers": False}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

router = APIRouter(prefix="/api", tags=["accounts"], responses=API_ERRORS)


def limiters(request: Request) -> tuple[SignInFailures, SignInFailures]:
    """The per-account and the per-client counts of failed sign-ins (in the store: shared by every web process)."""
    return request.app.state.limit_account, request.app.state.limit_client


def account_key(email: str) -> str:
    """Wrong passwords for this address, from anyone: its delay can be passed with password and code."""
    return "acct:" + email.strip().lower()


def code_key(email: str) -> str:
    """Wrong codes after a right password: only who knows the password adds to it, so nothing passes it."""
    return "totp:" + email.strip().lower()


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_address(request: Request) -> str:
    """The client's address: the peer, or what trusted proxies say it is."""
    peer = request.client.host if request.client else "?"
    networks: tuple[Network, ...] = request.app.state.settings.trusted_proxy_networks
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    client = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # a malformed hop: the last proxy we trust is as far as we can see
        client = hop
        if not _trusted(hop, networks):
            break
    return client


def client_key(request: Request) -> str:
    return "ip:" + client_address(request)


def wait_sentence(request: Request, seconds: float) -> str:
    """'Probeer het over 3 minuten opnieuw.': the wait in words, rounded up, in the reader's language."""
    t = translator(request_language(request))
    whole = max(1, math.ceil(seconds))
    if whole < 120:
        amount = t("wait.second") if whole == 1 else t("wait.seconds").format(n=whole)
    else:
        amount = t("wait.minutes").format(n=math.ceil(whole / 60))
    return t("login.throttled").format(wait=amount)


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


class EndDelay(BaseModel):
    email: str = Field(max_length=320, description="the account whose sign-in delay ends")

    @field_validator("email")
    @classmethod
    def _address(cls, value: str) -> str:
        value = value.strip().lower()
        local, at, domain = value.partition("@")
        if not at or not local or "." not in domain or any(char.isspace() for char in value):
            raise ValueError("must be the e-mail address the person signs in with, e.g. s.devries@example.nl")
        return value


class DelayEnded(BaseModel):
    email: str
    was_delayed: bool = Field(description="false: this address had no sign-in delay to end")


@router.post(
    "/sign-in-delays/end",
    response_model=DelayEnded,
    dependencies=[Depends(require_role(AccountRole.hr))],
    responses=problem(403, "Only HR ends a sign-in delay."),
)
async def end_sign_in_delay(request: Request, body: EndDelay) -> DelayEnded:
    """HR ends the delay that failed sign-ins put on an account, e.g. after a call with its owner."""
    by_account, _ = limiters(request)
    keys = (account_key(body.email), code_key(body.email))
    waits = [await by_account.retry_after(key) for key in keys]
    for key in keys:
        await by_account.forget(key)
    return DelayEnded(email=body.email, was_delayed=any(wait > 0 for wait in waits))
