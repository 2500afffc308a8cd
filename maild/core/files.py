"""Files a mail carries: safe names, blocked types, Outlook's winmail.dat, the cap.

Pure: bytes and names in, decisions out. What travels where is decided in
services (rows, relay); the bytes themselves are stored once by their hash
(adapters.db.store.files) and streamed at send time (adapters.outgoing).
"""

from __future__ import annotations

import hashlib
import io
import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from tnefparse.tnef import TNEF

from maild.core.model import Attachment
from maild.core.words import N_, Msg, Nn_, Said

MAX_NAME_CHARS = 120

# Outlook's "Level 1" list: types Outlook itself never lets a reader open, so a
# helpdesk must not hand them on either (kept on the ticket, never forwarded).
BLOCKED_EXTENSIONS = frozenset(
    """
    ade adp app appcontent application appref-ms asp aspx asx bas bat bgi cab cer
    chm cmd cnt com cpl crt csh der diagcab exe fxp gadget grp hlp hpj hta htc inf
    ins isp its jar jnlp js jse ksh lnk mad maf mag mam maq mar mas mat mau mav maw
    mcf mda mdb mde mdt mdw mdz msc msh msh1 msh2 mshxml msh1xml msh2xml msi msp mst
    msu ops osd pcd pif pl plg prf prg printerexport ps1 ps1xml ps2 ps2xml psc1 psc2
    psd1 psdm1 pssc pst py pyc pyo pyw pyz pyzw reg scf scr sct shb shs theme tmp
    url vb vbe vbp vbs vhd vhdx vsmacros vsw webpnp website ws wsb wsc wsf wsh xbap
    xll xnk
    """.split()  # noqa: SIM905  (a list people can read and extend)
)
BLOCKED_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-ms-installer",
        "application/x-sh",
        "application/javascript",
        "text/javascript",
        "application/hta",
        "application/x-bat",
        "text/vbscript",
    }
)
ZIP_NAMES_LOOKED_AT = 1000  # a zip's directory is read this far: cheap, never unpacked

# Format characters (bidi overrides, zero widths), controls, separators: none of
# them belongs in a file name, and `invoice\u202Efdp.exe` shows as "invoiceexe.pdf".
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_RESERVED = frozenset('<>:"/\\|?*')
_WINDOWS_DEVICES = frozenset(
    {
        "con",
        "prn",
        "aux",
        "nul",
        *(f"com{i}" for i in range(1, 10)),
        *(f"lpt{i}" for i in range(1, 10)),
    }
)


def safe_name(name: str | None, content_type: str = "application/octet-stream") -> str:
    """A name any mail client and file system takes as it is: no folders, no
    control or bidi characters, no leading dots, at most MAX_NAME_CHARS; the
    extension survives shortening. Never empty."""
    raw = unicodedata.normalize("NFC", name or "")
    raw = raw.replace("\\", "/")
    raw = posixpath.basename(raw.rstrip("/")) or raw
    kept = "".join(
        "_" if c in _RESERVED else (" " if c.isspace() else c)
        for c in raw
        if unicodedata.category(c) not in _UNSAFE_CATEGORIES
    )
    kept = " ".join(kept.split()).strip(". ")
    stem, dot, ext = kept.rpartition(".")
    if not dot:
        stem, ext = kept, ""
    if stem.lower() in _WINDOWS_DEVICES:
        stem = f"_{stem}"
    if not stem:
        stem = "attachment"
    ext = ext[:16]
    if not ext and not kept:
        ext = _extension_for(content_type)
    room = MAX_NAME_CHARS - len(ext) - (1 if ext else 0)
    stem = stem[:room].rstrip(". ") or "attachment"
    return f"{stem}.{ext}" if ext else stem


def _extension_for(content_type: str) -> str:
    sub = content_type.partition("/")[2].split("+")[0].split(";")[0].strip().lower()
    return {"jpeg": "jpg", "plain": "txt", "octet-stream": "bin", "rfc822": "eml"}.get(
        sub, "".join(c for c in sub if c.isalnum())[:8] or "bin"
    )


def extension(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


_BLOCKED_FORMS = (  # blocked()'s words, as stored on the file, back into a sentence
    (re.compile(r"^\.(\S+) files can run programs$"), "ext"),
    (re.compile(r"^the archive holds (.+), which can run programs$"), "inside"),
    (re.compile(r"^(\S+) can run programs$"), "type"),
)


def blocked_words(stored: str) -> Said:
    """Why a file is never forwarded, for the reader: the English blocked() wrote (and
    the store keeps) said again as a sentence of the catalogs."""
    for pattern, form in _BLOCKED_FORMS:
        found = pattern.match(stored)
        if found is None:
            continue
        if form == "ext":
            return N_(".%(ext)s files can run programs", ext=found[1])
        if form == "inside":
            return N_("the archive holds %(name)s, which can run programs", name=found[1])
        return N_("%(type)s can run programs", type=found[1])
    return stored


def blocked(name: str, content_type: str, content: bytes | None) -> str | None:
    """Why this file must never be forwarded, or None. A .zip is looked into (its
    names only) when it opens cheaply; one that does not open is not blocked for it."""
    if extension(name) in BLOCKED_EXTENSIONS:
        return f".{extension(name)} files can run programs"
    if content_type.lower() in BLOCKED_TYPES:
        return f"{content_type} can run programs"
    if content is not None and (extension(name) == "zip" or content[:4] == b"PK\x03\x04"):
        inside = _blocked_inside_zip(content)
        if inside is not None:
            return f"the archive holds {inside}, which can run programs"
    return None


def _blocked_inside_zip(content: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for info in archive.infolist()[:ZIP_NAMES_LOOKED_AT]:
                base = posixpath.basename(info.filename.replace("\\", "/"))
                if extension(base) in BLOCKED_EXTENSIONS:
                    return base
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        pass  # not a zip we can list (damaged, or a method zipfile does not implement)
    return None


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def is_tnef(a: Attachment) -> bool:
    return a.content is not None and (
        a.content_type.lower() == "application/ms-tnef"
        or (a.filename.lower() == "winmail.dat" and a.content[:4] == b"\x78\x9f\x3e\x22")
    )


def open_tnef(a: Attachment) -> tuple[list[Attachment], Msg | None]:
    """The files Outlook packed into a winmail.dat, and a note when it would not open
    (the winmail.dat itself is then kept as it came)."""
    assert a.content is not None
    try:
        found = TNEF(a.content, do_checksum=False).attachments
    except Exception as exc:  # a damaged winmail.dat: any parser error, kept as it came
        said = str(exc)
        note = N_(
            "%(name)s (Outlook's packed attachments) could not be opened: %(error)s",
            name=a.filename,
            error=said,
        )
        return [a], note
    out = [
        Attachment(
            filename=safe_name(_tnef_name(x)),
            content_type=_guess_type(_tnef_name(x)),
            size=len(x.data),
            content=bytes(x.data),
        )
        for x in found
        if x.data
    ]
    return out, None


def _tnef_name(x: object) -> str:
    try:
        return str(x.long_filename())  # type: ignore[attr-defined]
    except Exception:  # a name in a codepage tnefparse cannot read
        return str(getattr(x, "name", "") or "attachment")


_TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "heic": "image/heic",
    "txt": "text/plain",
    "csv": "text/csv",
    "zip": "application/zip",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _guess_type(name: str) -> str:
    return _TYPES.get(extension(name), "application/octet-stream")


def unpacked(attachments: Sequence[Attachment]) -> tuple[tuple[Attachment, ...], tuple[Msg, ...]]:
    """Each winmail.dat replaced by the files it holds; notes for those that would not open."""
    out: list[Attachment] = []
    notes: list[Msg] = []
    for a in attachments:
        if not is_tnef(a):
            out.append(a)
            continue
        inner, note = open_tnef(a)
        out.extend(inner)
        if note:
            notes.append(note)
    return tuple(out), tuple(notes)


@dataclass(frozen=True)
class FileRef:
    """A file one outgoing mail carries: its stored bytes are named by hash."""

    blob: str  # sha256 hex of the bytes
    filename: str
    content_type: str
    size: int
    content_id: str | None = None  # inline: the HTML part shows it as cid:<content_id>


@dataclass(frozen=True)
class Packed:
    """What fits one mail under the cap, and what is only named there."""

    sent: tuple[FileRef, ...]
    left: tuple[FileRef, ...]


def pack(files: Iterable[FileRef], cap: int) -> Packed:
    """In order (callers put the newest first), each file that still fits goes."""
    sent: list[FileRef] = []
    left: list[FileRef] = []
    room = cap
    for f in files:
        if f.size <= room:
            sent.append(f)
            room -= f.size
        else:
            left.append(f)
    return Packed(tuple(sent), tuple(left))


def batches(files: Iterable[FileRef], cap: int) -> list[tuple[FileRef, ...]]:
    """Every file in as few mails under the cap as first-fit gives; a file bigger
    than the cap travels alone (the relay's own limit decides)."""
    out: list[list[FileRef]] = []
    room: list[int] = []
    for f in files:
        for i, r in enumerate(room):
            if f.size <= r:
                out[i].append(f)
                room[i] -= f.size
                break
        else:
            out.append([f])
            room.append(max(cap - f.size, 0))
    return [tuple(b) for b in out]


def size_words(size: int) -> Msg:
    """shown_size in the reader's language: "10 MB", "512 bytes"."""
    if size < 1000:
        return Nn_("%(n)s byte", "%(n)s bytes", size)
    if size < 1_000_000:
        return N_("%(n)s kB", n=round(size / 1000))
    return N_("%(n)s MB", n=Decimal(f"{size / 1_000_000:.1f}".removesuffix(".0")))


def shown_size(size: int) -> str:
    """Decimal units, as mail providers state their limits ("10 MB")."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} kB"
    return f"{size / 1_000_000:.1f}".removesuffix(".0") + " MB"


def without_content(a: Attachment) -> Attachment:
    return replace(a, content=None)
