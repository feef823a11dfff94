"""An email backend that always fails, to test what delivery does when sending breaks."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class Backend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server unreachable")


class RefusesBob(BaseEmailBackend):
    """Like a mail server that refuses one recipient in four: bob's address is refused, the rest go to the outbox."""

    refused = "bob@staff.invalid"

    def send_messages(self, email_messages):
        from django.core import mail

        for message in email_messages:
            if self.refused in message.to:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"mailbox unavailable")})
            mail.outbox.append(message)
        return len(email_messages)


class Slow(BaseEmailBackend):
    """Writes each message to EMAIL_FILE_PATH/<address>.<n> after a pause: time to kill the worker mid-send."""

    def send_messages(self, email_messages):
        import time
        import uuid
        from pathlib import Path

        from django.conf import settings

        for message in email_messages:
            time.sleep(0.5)
            folder = Path(settings.EMAIL_FILE_PATH)
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"{message.to[0]}.{uuid.uuid4().hex}").write_text(message.subject)
        return len(email_messages)
