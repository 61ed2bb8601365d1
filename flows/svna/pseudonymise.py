"""Keyed pseudonyms: the same identifier gets the same pseudonym in every source and run,
and nobody without the key can reverse or recompute it."""

from __future__ import annotations

import hashlib
import hmac
import os

KEY_VARIABLE = "SVNA_PSEUDONYM_KEY"


class MissingKeyError(RuntimeError):
    pass


PREFECT_SECRET_BLOCK = "svna-pseudonym-key"


def key_from_environment() -> bytes:
    """The secret from the environment variable, else from the Prefect Secret block of that
    name (where a Prefect server holds it); never logged, never written anywhere."""
    key = os.environ.get(KEY_VARIABLE, "") or _prefect_secret()
    if len(key) < 16:
        raise MissingKeyError(
            f"{KEY_VARIABLE} (or the Prefect Secret block '{PREFECT_SECRET_BLOCK}') must hold a "
            "secret of at least 16 characters to pseudonymise identifiers; no key, no run"
        )
    return key.encode("utf-8")


def _prefect_secret() -> str:
    """Asked only inside a Prefect run or with a Prefect server configured: elsewhere the
    question would start a temporary server just to hear no."""
    try:
        from prefect.context import FlowRunContext

        if FlowRunContext.get() is None and not os.environ.get("PREFECT_API_URL"):
            return ""
        from prefect.blocks.system import Secret

        return str(Secret.load(PREFECT_SECRET_BLOCK).get())
    except Exception:  # no server, no block, or Prefect not configured: no key from there
        return ""


def pseudonymiser(key: bytes):
    """A function mapping an identifier to its pseudonym (None stays None)."""

    def pseudonym(value: str | None) -> str | None:
        if value is None or str(value).strip() == "":
            return None
        normalised = str(value).strip().upper().encode("utf-8")
        return "P" + hmac.new(key, normalised, hashlib.sha256).hexdigest()[:20]

    return pseudonym
