"""Reads messages back as a mail client would: Python's own `email` package (its default policy).

For each .eml file named on the command line, in order, one object of the JSON array it prints:
  headers      {name: value decoded (RFC 2047), repeated headers joined with "\\n"}
  raw_headers  {name: value as written, folding included, repeated headers joined with "\\n"}
  text, html   the text/plain and text/html bodies, decoded (null if there is none)
  attachments  every other leaf part: filename, content_type, disposition, and the sha256 and
               length of its decoded bytes
  defects      every defect the parser found, in any part or header
"""

import email
import email.policy
import hashlib
import json
import sys


def clean(text):
    """A str JSON can carry: bytes the parser kept as surrogates are read again as UTF-8."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def joined(pairs):
    headers = {}
    for name, value in pairs:
        value = clean(str(value))
        headers[name] = headers[name] + "\n" + value if name in headers else value
    return headers


def described(defect):
    detail = str(defect)
    return type(defect).__name__ + (f": {clean(detail)}" if detail else "")


def parse(data):
    message = email.message_from_bytes(data, policy=email.policy.default)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    attachments, defects = [], []
    for part in message.walk():
        defects += [described(defect) for defect in part.defects]
        for name, value in part.items():
            defects += [f"{name}: {described(defect)}" for defect in value.defects]
        if part.is_multipart() or part is text or part is html:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        attachments.append(
            {
                "filename": clean(filename) if filename is not None else None,
                "content_type": part.get_content_type(),
                "disposition": part.get_content_disposition(),
                "sha256": hashlib.sha256(payload).hexdigest(),
                "bytes": len(payload),
            }
        )
    return {
        "headers": joined(message.items()),
        "raw_headers": joined(message.raw_items()),
        "text": clean(text.get_content()) if text is not None else None,
        "html": clean(html.get_content()) if html is not None else None,
        "attachments": attachments,
        "defects": defects,
    }


def main():
    messages = []
    for path in sys.argv[1:]:
        with open(path, "rb") as file:
            messages.append(parse(file.read()))
    print(json.dumps(messages, indent=1))


if __name__ == "__main__":
    main()
