"""Notifications: a JSON POST to the configured webhook, received here by a local HTTP server,
naming the run, the area and the failing files, and never the pseudonym key."""

from __future__ import annotations

import json
import logging
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from svna.config import ConfigError, Notify, load_config
from svna.notify import payload, send
from svna.pseudonymise import KEY_VARIABLE

FAILED = [{"path": "police_uk/2025-01/2025-01-test-force-street.csv",
           "dataset": "police_uk_street",
           "failed_checks": "expect_table_columns_to_match_ordered_list",
           "message": "line 1 (header): missing column(s) Crime type"}]


class Receiver:
    """A webhook on 127.0.0.1 that keeps every body it is sent."""

    def __init__(self):
        bodies = self.bodies = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                bodies.append((self.path, self.headers["Content-Type"],
                               self.rfile.read(length).decode("utf-8")))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):  # keep the test output clean
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def events(self) -> list[dict]:
        return [json.loads(body) for _, _, body in self.bodies]


@pytest.fixture
def webhook():
    with Receiver() as receiver:
        yield receiver


def test_failed_validation_is_posted_with_run_area_and_files(webhook):
    settings = Notify(webhook_url=webhook.url)
    body = payload("failed_validation", area="Test area", run_id="20250101T000000Z-abc123",
                   flow_run="brave-otter", failed_files=FAILED)
    assert send(settings, "failed_validation", body) is True
    [(path, content_type, raw)] = webhook.bodies
    assert (path, content_type) == ("/hook", "application/json")
    sent = json.loads(raw)
    assert sent["event"] == "failed_validation"
    assert (sent["area"], sent["run_id"], sent["flow_run"]) == (
        "Test area", "20250101T000000Z-abc123", "brave-otter")
    assert sent["failed_files"] == FAILED and sent["failed_file_count"] == 1
    assert sent["text"] == ("svna run brave-otter for Test area: 1 file(s) failed validation "
                            "and are not used: police_uk/2025-01/2025-01-test-force-street.csv")
    assert os.environ[KEY_VARIABLE] not in raw


def test_a_failure_message_quoting_the_key_is_redacted(webhook):
    key = os.environ[KEY_VARIABLE]
    body = payload("failure", area="Test area", flow_run="brave-otter",
                   message=f"Flow run encountered an exception: ValueError: bad key {key}")
    assert send(Notify(webhook_url=webhook.url), "failure", body)
    [(_, _, raw)] = webhook.bodies
    assert key not in raw
    assert json.loads(raw)["message"].endswith("bad key [redacted]")


def test_events_not_asked_for_are_not_sent(webhook):
    settings = Notify(webhook_url=webhook.url, events=["failure"])
    assert send(settings, "failed_validation", payload(
        "failed_validation", area="Test area", failed_files=FAILED)) is False
    assert send(Notify(), "failure", payload("failure", area="Test area")) is False  # no URL
    assert webhook.bodies == []


def test_the_webhook_may_come_from_the_environment(webhook, monkeypatch):
    monkeypatch.setenv("SVNA_NOTIFY_WEBHOOK_URL", webhook.url)
    assert send(Notify(), "failure", payload("failure", area="Test area", message="boom"))
    assert webhook.events()[0]["text"] == "svna run unknown run for Test area failed: boom"


def test_an_unreachable_webhook_is_logged_not_raised(caplog):
    with Receiver() as gone:
        url = gone.url
    with caplog.at_level(logging.WARNING, logger="svna.notify"):
        assert send(Notify(webhook_url=url, timeout_seconds=2), "failure",
                    payload("failure", area="Test area")) is False
    assert "could not be sent" in caplog.text and url not in caplog.text  # URLs are secrets


def test_a_long_list_of_files_is_cut_but_counted():
    many = [FAILED[0] | {"path": f"f{i}.csv"} for i in range(25)]
    body = payload("failed_validation", area="A", run_id="r", failed_files=many)
    assert len(body["failed_files"]) == 20 and body["failed_file_count"] == 25
    assert body["text"].endswith("f19.csv and 5 more")


@pytest.mark.parametrize(("text", "message"), [
    ("notify: {webhook_url: 'ftp://x'}", "notify.webhook_url"),
    ("notify: {events: [sometimes]}", "notify.events.0"),
    # YAML reads a bare `on` as true (hence the name `events`): at least it is refused
    ("notify: {on: [failure]}", "notify.1: Keys should be strings"),
    ("notify: {webhook: 'http://x'}", "notify.webhook: unknown setting"),
])
def test_notify_settings_are_checked(tmp_path, text, message):
    path = tmp_path / "area.yaml"
    path.write_text("area: {name: X, districts: [E07000008]}\n" + text + "\n")
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_config(path, tmp_path)


def test_notify_settings_are_read(tmp_path):
    path = tmp_path / "area.yaml"
    path.write_text("area: {name: X, districts: [E07000008]}\n"
                    "notify: {webhook_url: 'https://hooks.example.org/x', events: [failure]}\n")
    settings = load_config(path, tmp_path).notify
    assert (settings.webhook_url, settings.events) == ("https://hooks.example.org/x", ["failure"])
