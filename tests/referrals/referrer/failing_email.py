"""An email backend like a mail server that refuses one mailbox: the rest go to the outbox."""

import smtplib

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

REFUSED = "closed.mailbox@nhs.invalid"


class RefusesOneMailbox(BaseEmailBackend):
    def send_messages(self, email_messages):
        for message in email_messages:
            if REFUSED in message.to:
                raise smtplib.SMTPRecipientsRefused({REFUSED: (550, b"mailbox unavailable")})
            mail.outbox.append(message)
        return len(email_messages)
