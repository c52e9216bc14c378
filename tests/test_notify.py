"""Notifications of failed or degraded runs: a JSON webhook and e-mail over SMTP."""

import base64
import email
import logging
import socketserver
import threading
from dataclasses import replace

import pytest

from jobs import notify

SUMMARY = {"source": "directory", "run_id": 7, "status": "succeeded", "health": "degraded",
           "note": "run 7 found 2 items, under half the median (25)", "items": 2,
           "baseline_median": 25}


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (with AUTH PLAIN) to receive one message."""

    def reply(self, line: str) -> None:
        self.wfile.write(f"{line}\r\n".encode())

    def handle(self):
        self.reply("220 test ESMTP")
        while line := self.rfile.readline().decode().rstrip("\r\n"):
            verb = line.split(" ")[0].upper()
            if verb == "EHLO":
                self.reply("250-test")
                self.reply("250 AUTH PLAIN")
            elif verb == "AUTH":
                _, user, password = base64.b64decode(line.split(" ")[2]).decode().split("\0")
                self.server.logins.append((user, password))
                self.reply("235 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (data := self.rfile.readline().decode()) != ".\r\n":
                    lines.append(data)
                self.server.messages.append(email.message_from_string("".join(lines)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.daemon_threads = True
    server.messages, server.logins = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_the_webhook_receives_the_summary_as_json(config, webhook):
    notify.send(replace(config.scheduler, webhook_url=webhook.url), SUMMARY)
    assert webhook.received == [SUMMARY]


def test_an_e_mail_is_sent_with_the_password_from_the_environment(config, smtp_server,
                                                                   monkeypatch):
    monkeypatch.setenv("RELIEFMAP_SMTP_PASSWORD", "s3cret-from-env")
    settings = replace(config.scheduler, smtp_host="127.0.0.1",
                       smtp_port=smtp_server.server_address[1], smtp_starttls=False,
                       smtp_user="alerts", mail_from="scheduler@example.org",
                       mail_to=["ops@example.org", "oncall@example.org"])
    notify.send(settings, SUMMARY)
    [message] = smtp_server.messages
    assert message["Subject"] == "[reliefmap] directory: degraded (run 7)"
    assert message["To"] == "ops@example.org, oncall@example.org"
    assert message["From"] == "scheduler@example.org"
    assert "under half the median" in message.get_payload()
    assert smtp_server.logins == [("alerts", "s3cret-from-env")]


def test_failures_to_notify_are_logged_not_raised(config, caplog):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = replace(config.scheduler, webhook_url=f"http://127.0.0.1:{port}/hook",
                       smtp_host="127.0.0.1", smtp_port=port, mail_from="a@example.org",
                       mail_to=["b@example.org"])
    with caplog.at_level(logging.WARNING, logger="jobs.notify"):
        notify.send(settings, SUMMARY)
    assert "webhook" in caplog.text and "e-mail to b@example.org failed" in caplog.text


def test_nothing_is_sent_when_nothing_is_configured(config, webhook):
    notify.send(config.scheduler, SUMMARY)
    assert webhook.received == []


def test_mail_to_without_an_smtp_host_is_a_config_error(config_file, cli_env):
    from reliefmap.config import ConfigError, load_config

    config_file.write_text(config_file.read_text().replace(
        "mail_to = []", 'mail_to = ["ops@example.org"]'))
    with pytest.raises(ConfigError, match="mail_to: e-mail notifications need smtp_host"):
        load_config(config_file, env=cli_env)
