"""Mails with files, shaped byte for byte as real clients shape them.

Each builder writes the MIME tree the client writes (checked against their
mails): Outlook's multipart/related with cid: images and its winmail.dat
(TNEF), Apple Mail's attachment between two text parts, Gmail's inline image
beside an attachment, an iPhone's HEIC photo, a forwarded message/rfc822.
"""

from __future__ import annotations

import base64
import hashlib
import struct
import uuid

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40  # 10 kB: a screenshot
LOGO = b"\x89PNG\r\n\x1a\n" + b"logo" * 300
PDF = b"%PDF-1.7\n" + bytes((i * 7) % 256 for i in range(30_000)) + b"\n%%EOF\n"
HEIC = b"\x00\x00\x00\x18ftypheic" + bytes((i * 13) % 256 for i in range(40_000))
DOCX = b"PK\x03\x04docx" + bytes((i * 3) % 256 for i in range(5_000))


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64(data: bytes) -> str:
    return base64.encodebytes(data).decode().replace("\n", "\r\n")


def _head(sender: str, subject: str, extra: str = "") -> str:
    return (
        f"From: {sender}\r\nTo: support@acme.example\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4().hex}@client.example>\r\n"
        f"Date: Mon, 23 Nov 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n{extra}"
    )


def outlook(sender: str, subject: str, text: str, image: bytes, pdf: bytes | None) -> bytes:
    """Outlook 365: mixed[related[alternative[plain, html <img cid>], image001.png], pdf]."""
    cid = "image001.png@01DB3C4A.5E2F9A10"
    related = (
        'Content-Type: multipart/related; boundary="_rel_"; type="multipart/alternative"\r\n\r\n'
        '--_rel_\r\nContent-Type: multipart/alternative; boundary="_alt_"\r\n\r\n'
        '--_alt_\r\nContent-Type: text/plain; charset="us-ascii"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f"{text}\r\n\r\n[cid:{cid}]\r\n\r\n"
        '--_alt_\r\nContent-Type: text/html; charset="us-ascii"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        f'<html><body><p class=3D"MsoNormal">{text}</p><p class=3D"MsoNormal">'
        f'<img width=3D"640" height=3D"400" id=3D"Picture_x0020_1" src=3D"cid:{cid}"></p>'
        "</body></html>\r\n--_alt_--\r\n\r\n"
        '--_rel_\r\nContent-Type: image/png; name="image001.png"\r\n'
        'Content-Description: image001.png\r\nContent-Disposition: inline; filename="image001.png";'
        ' size=%d;\r\n\tcreation-date="Mon, 23 Nov 2026 09:00:00 GMT"\r\n'
        f"Content-ID: <{cid}>\r\nContent-Transfer-Encoding: base64\r\n\r\n{_b64(image)}\r\n"
        "--_rel_--\r\n"
    ) % len(image)
    if pdf is None:
        return (_head(sender, subject) + related).encode()
    return (
        _head(sender, subject, 'Content-Type: multipart/mixed; boundary="_mix_"\r\n')
        + "\r\n--_mix_\r\n"
        + related
        + '\r\n--_mix_\r\nContent-Type: application/pdf; name="Return label.pdf"\r\n'
        "Content-Description: Return label.pdf\r\n"
        f'Content-Disposition: attachment; filename="Return label.pdf"; size={len(pdf)}\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(pdf)}\r\n--_mix_--\r\n"
    ).encode()


def tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat holding `files`, as Outlook writes it for rich-text mail."""

    def obj(level: int, attr: int, kind: int, data: bytes) -> bytes:
        check = sum(data) & 0xFFFF
        return struct.pack("<BHHI", level, attr, kind, len(data)) + data + struct.pack("<H", check)

    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += obj(1, 0x9006, 0x0006, b"\x00\x00\x01\x00")  # attTnefVersion
    out += obj(1, 0x9007, 0x0006, b"\xe4\x04\x00\x00")  # attOemCodepage: 1252
    for name, data in files:
        out += obj(
            2, 0x9002, 0x0006, b"\x01\x00\xff\xff\xff\xff" + b"\x00" * 8
        )  # attAttachRendData
        out += obj(2, 0x8010, 0x0001, name.encode("cp1252") + b"\x00")  # attAttachTitle
        out += obj(2, 0x800F, 0x0006, data)  # attAttachData
    return out


def outlook_tnef(sender: str, subject: str, text: str, files: list[tuple[str, bytes]]) -> bytes:
    """Outlook in rich-text mode to an outside address: text plus application/ms-tnef."""
    return (
        _head(sender, subject, 'Content-Type: multipart/mixed; boundary="_tnef_"\r\n')
        + f'\r\n--_tnef_\r\nContent-Type: text/plain; charset="us-ascii"\r\n\r\n{text}\r\n'
        '--_tnef_\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\n'
        'Content-Disposition: attachment; filename="winmail.dat"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(tnef(files))}\r\n--_tnef_--\r\n"
    ).encode()


def apple_mail(sender: str, subject: str, before: str, pdf: bytes, after: str) -> bytes:
    """Apple Mail: the file where the cursor was, between two text parts, 'inline'."""
    b = "Apple-Mail=_6F1B8C1E-3A5D-4B2E-9F0A-2C7D8E9F1A2B"
    return (
        _head(sender, subject, f'Content-Type: multipart/mixed;\r\n\tboundary="{b}"\r\n')
        + f"\r\n\r\n--{b}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n"
        f"\tcharset=us-ascii\r\n\r\n{before}\r\n\r\n"
        f"--{b}\r\nContent-Disposition: inline;\r\n\tfilename=receipt.pdf\r\n"
        'Content-Type: application/pdf;\r\n\tx-unix-mode=0644;\r\n\tname="receipt.pdf"\r\n'
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(pdf)}\r\n"
        f"--{b}\r\nContent-Transfer-Encoding: 7bit\r\nContent-Type: text/plain;\r\n"
        f"\tcharset=us-ascii\r\n\r\n{after}\r\n--{b}--\r\n"
    ).encode()


def gmail(sender: str, subject: str, text: str, image: bytes, doc: bytes) -> bytes:
    """Gmail: mixed[related[alternative[plain, html <img cid:ii_...>], image.png], file]."""
    cid = "ii_m3x9k2qa0"
    return (
        _head(sender, subject, 'Content-Type: multipart/mixed; boundary="000000000000a1"\r\n')
        + '\r\n--000000000000a1\r\nContent-Type: multipart/related; boundary="000000000000a2"\r\n'
        '\r\n--000000000000a2\r\nContent-Type: multipart/alternative; boundary="000000000000a3"\r\n'
        f'\r\n--000000000000a3\r\nContent-Type: text/plain; charset="UTF-8"\r\n\r\n{text}\r\n'
        f"[image: image.png]\r\n\r\n"
        '--000000000000a3\r\nContent-Type: text/html; charset="UTF-8"\r\n\r\n'
        f'<div dir="ltr"><div>{text}</div><div><img src="cid:{cid}" alt="image.png" '
        'width="542" height="300"><br></div></div>\r\n\r\n--000000000000a3--\r\n'
        '--000000000000a2\r\nContent-Type: image/png; name="image.png"\r\n'
        'Content-Disposition: inline; filename="image.png"\r\nContent-Transfer-Encoding: base64\r\n'
        f"Content-ID: <{cid}>\r\nX-Attachment-Id: {cid}\r\n\r\n{_b64(image)}\r\n"
        "--000000000000a2--\r\n"
        "--000000000000a1\r\nContent-Type: application/vnd.openxmlformats-officedocument."
        'wordprocessingml.document; \r\n\tname="Order list.docx"\r\n'
        'Content-Disposition: attachment; filename="Order list.docx"\r\n'
        "Content-Transfer-Encoding: base64\r\nX-Attachment-Id: f_m3x9k2qb1\r\n"
        f"Content-ID: <f_m3x9k2qb1>\r\n\r\n{_b64(doc)}\r\n--000000000000a1--\r\n"
    ).encode()


def iphone(sender: str, subject: str, text: str, photo: bytes) -> bytes:
    """iOS Mail: a HEIC photo, 'inline' with a name, after the text."""
    b = "Apple-Mail-4C1D2E3F-5A6B-7C8D-9E0F-1A2B3C4D5E6F"
    return (
        _head(sender, subject, f'Content-Type: multipart/mixed; boundary="{b}"\r\n')
        + f"\r\n--{b}\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n"
        f"Content-Transfer-Encoding: 7bit\r\n\r\n{text}\r\n\r\n"
        f"--{b}\r\nContent-Type: image/heic;\r\n\tname=IMG_0001.HEIC;\r\n\tx-apple-part-url="
        "F1A2B3C4-D5E6-4F70-8192-A3B4C5D6E7F8\r\n"
        "Content-Disposition: inline;\r\n\tfilename=IMG_0001.HEIC\r\n"
        f"Content-Transfer-Encoding: base64\r\n\r\n{_b64(photo)}\r\n"
        f"--{b}\r\nContent-Type: text/plain;\r\n\tcharset=us-ascii\r\n"
        f"Content-Transfer-Encoding: 7bit\r\n\r\n\r\nSent from my iPhone\r\n--{b}--\r\n"
    ).encode()


FORWARDED_INNER = (
    b"From: Courier <noreply@courier.example>\r\nTo: sam@example.com\r\n"
    b"Subject: Your parcel was returned\r\nMessage-ID: <parcel@courier.example>\r\n"
    b"Date: Sun, 22 Nov 2026 18:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
    b"Parcel 123 returned to sender.\r\n"
)


def forwarded(sender: str, subject: str, text: str) -> bytes:
    """Thunderbird's "Forward as attachment": a message/rfc822 part with a name."""
    return (
        _head(sender, subject, 'Content-Type: multipart/mixed; boundary="fwd"\r\n').encode()
        + f"\r\n--fwd\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\n{text}\r\n".encode()
        + b'--fwd\r\nContent-Type: message/rfc822; name="Your parcel was returned.eml"\r\n'
        b'Content-Disposition: attachment; filename="Your parcel was returned.eml"\r\n\r\n'
        + FORWARDED_INNER
        + b"\r\n--fwd--\r\n"
    )
