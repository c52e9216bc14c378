"""Tell operators about failed or degraded runs: a JSON webhook and/or an e-mail. Both optional;
a failure to notify is logged, never fatal."""

from __future__ import annotations

import json
import logging
import os
import smtplib
import urllib.request
from email.message import EmailMessage

log = logging.getLogger(__name__)
TIMEOUT = 10
SMTP_PASSWORD_ENV = "RELIEFMAP_SMTP_PASSWORD"


def send(settings, summary: dict) -> None:
    """Send the run summary wherever the [scheduler] settings say."""
    if settings.webhook_url:
        try:
            post_webhook(settings.webhook_url, summary)
        except Exception as exc:  # any failure to notify is only logged
            log.warning("webhook %s failed: %s", settings.webhook_url, exc)
    if settings.mail_to:
        try:
            send_mail(settings, summary)
        except Exception as exc:
            log.warning("e-mail to %s failed: %s", ", ".join(settings.mail_to), exc)


def post_webhook(url: str, summary: dict) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(summary).encode(), method="POST",
        headers={"Content-Type": "application/json", "User-Agent": "reliefmap-scheduler"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        response.read()


def subject(summary: dict) -> str:
    return f"[reliefmap] {summary['source']}: {summary['health']} (run {summary['run_id']})"


def send_mail(settings, summary: dict) -> None:
    message = EmailMessage()
    message["Subject"] = subject(summary)
    message["From"] = settings.mail_from
    message["To"] = ", ".join(settings.mail_to)
    message.set_content(
        f"{summary['note']}\n\n" + json.dumps(summary, indent=2, default=str) + "\n")
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=TIMEOUT) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, os.environ.get(SMTP_PASSWORD_ENV, ""))
        smtp.send_message(message)
