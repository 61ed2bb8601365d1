"""Telling people when a run failed or a delivered file failed validation: a JSON POST to the
webhook in the config's `notify` section. The pseudonym key never leaves the machine."""

from __future__ import annotations

import json
import logging
import os
import urllib.error
import urllib.request

from svna.config import Notify
from svna.pseudonymise import KEY_VARIABLE

log = logging.getLogger(__name__)

MAX_FILES_SENT = 20
WEBHOOK_VARIABLE = "SVNA_NOTIFY_WEBHOOK_URL"  # a webhook URL is a secret: it may live here


def _redact(text: str) -> str:
    """A message built from an exception could in principle quote anything it touched."""
    key = os.environ.get(KEY_VARIABLE, "")
    return text.replace(key, "[redacted]") if len(key) >= 4 else text


def payload(event: str, *, area: str, run_id: str | None = None, flow_run: str | None = None,
            failed_files: list[dict] = (), message: str | None = None) -> dict:
    """What is sent: the event, the run, the area and the failing files (path, dataset, the
    checks failed), with a one-paragraph `text` for chat tools."""
    files = [{"path": f["path"], "dataset": f.get("dataset"),
              "failed_checks": f.get("failed_checks"), "message": f.get("message")}
             for f in failed_files[:MAX_FILES_SENT]]
    run = flow_run or run_id or "unknown run"
    if event == "failure":
        text = f"svna run {run} for {area} failed: {message or 'no message'}"
    else:
        names = ", ".join(f["path"] for f in files)
        more = len(failed_files) - len(files)
        text = (f"svna run {run} for {area}: {len(failed_files)} file(s) failed validation "
                f"and are not used: {names}" + (f" and {more} more" if more > 0 else ""))
    return {"event": event, "area": area, "run_id": run_id, "flow_run": flow_run,
            "failed_files": files, "failed_file_count": len(failed_files),
            "message": message, "text": text}


def send(settings: Notify, event: str, body: dict) -> bool:
    """POST the payload if the config asks for this event; True when it was delivered. A
    notification that cannot be delivered is logged, never allowed to fail the run."""
    url = settings.webhook_url or os.environ.get(WEBHOOK_VARIABLE)
    if not url or event not in settings.events:
        return False
    data = _redact(json.dumps(body, default=str)).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            response.read()
    except (urllib.error.URLError, OSError) as exc:
        log.warning("notification (%s) could not be sent to the webhook: %s", event, exc)
        return False
    log.info("notification (%s) sent", event)
    return True
