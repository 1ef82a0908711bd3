"""Email: a scheduled marketing email through Django's SMTP backend.

Settings: `recipients` (a list of addresses, required; they all appear in To,
so use a list or ESP address rather than many private ones), `subject`
(default: the post's campaign, else its first line), `from_email`, and `host`,
`port`, `use_tls`, `use_ssl`, `username`, `password_env` to override the
EMAIL_* settings. The password is read from the environment variable named by
`password_env`, never from the settings JSON.

The Message-ID is derived from the delivery's idempotency key, so a copy that
does go out twice is recognisable as the same message.
"""

import contextlib
import os
import smtplib
import socket
import ssl

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from scheduler.channels.base import ChannelAdapter, ChannelConfigError, ChannelError, SendResult

SUBJECT_MAX_CHARACTERS = 78


class EmailAdapter(ChannelAdapter):
    kind = "email"

    def send(self, delivery) -> SendResult:
        post = delivery.post
        recipients = self.recipients()
        message_id = f"<{delivery.idempotency_key}@postguard>"
        host = self.settings.get("host") or settings.EMAIL_HOST
        port = self.port()
        use_tls = bool(self.settings.get("use_tls", settings.EMAIL_USE_TLS))
        use_ssl = bool(self.settings.get("use_ssl", False))
        if use_tls and use_ssl:
            raise ChannelConfigError(f"channel {self.channel.slug} sets both use_tls and use_ssl: choose one")
        connection = get_connection(
            backend="django.core.mail.backends.smtp.EmailBackend",
            host=host,
            port=port,
            username=self.settings.get("username", settings.EMAIL_HOST_USER),
            password=self.password(),
            use_tls=use_tls,
            use_ssl=use_ssl,
            timeout=settings.EMAIL_TIMEOUT,
            fail_silently=False,
        )
        message = EmailMessage(
            subject=self.subject(post),
            body=post.text,
            from_email=self.settings.get("from_email") or settings.DEFAULT_FROM_EMAIL,
            to=recipients,
            headers={"Message-ID": message_id},
            connection=connection,
        )
        where = f"{host}:{port}"
        try:
            # Opened here rather than inside send_messages so that a failure while
            # saying goodbye, after the server took the message, is not reported
            # as a failed send (which would be retried and delivered twice).
            connection.open()
            connection.send_messages([message])
        except (smtplib.SMTPException, OSError) as error:
            raise smtp_channel_error(error, where=where, timeout=settings.EMAIL_TIMEOUT) from error
        finally:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # the outcome was decided above
                connection.close()
        return SendResult(external_id=message_id)

    def recipients(self) -> list[str]:
        recipients = self.settings.get("recipients")
        if not isinstance(recipients, list) or not all(isinstance(address, str) for address in recipients):
            raise ChannelConfigError(f"channel {self.channel.slug}: 'recipients' must be a list of email addresses")
        recipients = [address.strip() for address in recipients if address.strip()]
        if not recipients:
            raise ChannelConfigError(f"channel {self.channel.slug} has no recipients")
        return recipients

    def port(self) -> int:
        value = self.settings.get("port") or settings.EMAIL_PORT
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ChannelConfigError(f"channel {self.channel.slug} has port {value!r}: it must be a number") from None

    def password(self) -> str:
        name = self.settings.get("password_env")
        if not name:
            return settings.EMAIL_HOST_PASSWORD
        password = os.environ.get(name, "")
        if not password:
            raise ChannelConfigError(
                f"channel {self.channel.slug}: the environment variable {name} is not set; "
                "it must hold the SMTP password"
            )
        return password

    def subject(self, post) -> str:
        """The channel's subject, else the campaign, else the first line; one line of at most 78 characters."""
        first_line = post.text.strip().splitlines()[0] if post.text.strip() else ""
        subject = " ".join(str(self.settings.get("subject") or post.campaign or first_line).split())
        if len(subject) > SUBJECT_MAX_CHARACTERS:
            subject = subject[: SUBJECT_MAX_CHARACTERS - 1].rstrip() + "…"
        return subject


def smtp_channel_error(error: OSError, *, where: str, timeout: float) -> ChannelError:
    """Whether an SMTP failure is worth retrying: 4xx and network trouble are, 5xx and refused recipients are not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = error.recipients.items()
        detail = "; ".join(f"{address}: {code} {_text(reply)}" for address, (code, reply) in refusals)
        greylisted = all(400 <= code < 500 for _, (code, _reply) in refusals)  # try later, as the server asked
        return ChannelError(f"{where} refused the recipients ({detail})", permanent=not greylisted)
    if isinstance(error, smtplib.SMTPResponseException):  # sender refused, data refused, authentication failed
        return ChannelError(
            f"{where} answered {error.smtp_code} {_text(error.smtp_error)}", permanent=error.smtp_code >= 500
        )
    if isinstance(error, smtplib.SMTPServerDisconnected):
        return ChannelError(f"{where} closed the connection ({error})", permanent=False)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return ChannelError(f"{where} does not support what the channel asks for: {error}", permanent=True)
    if isinstance(error, ConnectionRefusedError):
        return ChannelError(f"connection refused by {where}", permanent=False)
    if isinstance(error, TimeoutError):
        return ChannelError(f"timed out after {timeout:g} s talking to {where}", permanent=False)
    if isinstance(error, socket.gaierror):
        return ChannelError(f"could not resolve {where}: {error.strerror or error}", permanent=False)
    if isinstance(error, ssl.SSLCertVerificationError):
        return ChannelError(f"TLS certificate of {where} rejected: {error.verify_message}", permanent=True)
    return ChannelError(f"could not send through {where}: {error.strerror or error}", permanent=False)


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
