"""``multipart/form-data`` bodies read with the standard library (no python-multipart in the layer).

The whole body is in memory already (a buffered Lambda gets it in the event), so the email
package's MIME parser is enough: parts become text fields or one file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP

from gateway.errors import InvalidRequestError


@dataclass(slots=True)
class Upload:
    filename: str
    content_type: str
    data: bytes


@dataclass(slots=True)
class Form:
    fields: dict[str, str | list[str]] = field(default_factory=dict)
    files: dict[str, Upload] = field(default_factory=dict)


def parse(content_type: str, body: bytes) -> Form:
    """The form's fields (a name sent more than once, or ``name[]``, becomes a list) and files.

    Raises ``InvalidRequestError`` for a body that is not multipart/form-data."""
    if not content_type.lower().startswith("multipart/form-data") or "boundary=" not in content_type:
        raise InvalidRequestError(
            "Send the audio as multipart/form-data (a `file` part and the other fields as parts).",
            code="invalid_content_type",
        )
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        raise InvalidRequestError("The multipart body could not be parsed.", code="invalid_multipart")
    form = Form()
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            form.files[name] = Upload(filename, part.get_content_type(), data)
            continue
        text = data.decode("utf-8", "replace")
        key = name.removesuffix("[]")
        if key in form.fields or name.endswith("[]"):
            previous = form.fields.get(key, [])
            form.fields[key] = [*([previous] if isinstance(previous, str) else previous), text]
        else:
            form.fields[key] = text
    return form


__all__ = ["Form", "Upload", "parse"]
