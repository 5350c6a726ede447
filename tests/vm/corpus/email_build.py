"""Build a MIME message with an attachment, serialise it and parse it back."""
import email
import mimetypes
from datetime import datetime, timezone
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

msg = EmailMessage()
msg["From"] = formataddr(("Reports Bot", "bot@example.com"))
msg["To"] = "ops@example.com, Zoë <zoe@example.org>"
msg["Subject"] = "Weekly report – ünïcödé"
msg["Date"] = format_datetime(datetime(2024, 5, 6, 9, 30, tzinfo=timezone.utc))
msg["Message-ID"] = "<report-2024-19@example.com>"
msg.set_content("Hello,\n\nthe weekly report is attached.\n")
msg.add_alternative("<p>The weekly report is attached.</p>", subtype="html")
ctype, _ = mimetypes.guess_type("report.csv")
maintype, subtype = (ctype or "application/octet-stream").split("/")
msg.add_attachment(b"region,total\neu,10\n", maintype=maintype, subtype=subtype, filename="report.csv")
print("guess_type:", mimetypes.guess_type("photo.JPG"), mimetypes.guess_extension("application/pdf"))
raw = msg.as_bytes(policy=policy.SMTP)
print("bytes > 500:", len(raw) > 500)
back = email.message_from_bytes(raw, policy=policy.default)
print("subject:", back["Subject"])
print("to:", [a.addr_spec for a in back["To"].addresses])
print("parts:", [p.get_content_type() for p in back.walk()])
att = next(back.iter_attachments())
print("attachment:", att.get_filename(), att.get_content())
print("body:", back.get_body(("plain",)).get_content().splitlines()[2])
print("parseaddr:", parseaddr("Reports Bot <bot@example.com>"))
