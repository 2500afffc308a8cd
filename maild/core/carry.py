"""Which files an outgoing mail carries, and how the mail names each one.

A file goes as a real attachment when its bytes are kept, it is no program
(core.files.blocked) and it fits the mail's cap ([attachments] max_bytes);
otherwise the mail names it and says why. Images pasted into an HTML text go
inline (the notification's HTML shows them by cid:), the rest as attachments.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from maild.core import files
from maild.core.contexts import AttachmentShown
from maild.core.files import FileRef
from maild.core.model import Attachment
from maild.core.words import N_, Msg, Said

NOT_KEPT = N_("not kept: over the size limit")
REMOVED = N_("removed")


def _left(cap: int, for_staff: bool) -> Msg:
    size = files.size_words(cap)
    if for_staff:
        return N_(
            "kept on the ticket, not attached (over this mail's %(cap)s for files): "
            "answer #files to get it",
            cap=size,
        )
    return N_("not attached: over this mail's %(cap)s for files", cap=size)


@dataclass(frozen=True)
class Candidate:
    ref: FileRef  # content_id set when it was pasted into the text
    kept: bool  # its bytes are on the ticket
    blocked: str | None
    removed: bool = False  # erased by retention or forget


@dataclass(frozen=True)
class Carried:
    files: tuple[FileRef, ...] = ()
    shown: tuple[AttachmentShown, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        """The files that go, in words: "label.pdf (120 kB)"."""
        return tuple(f"{f.filename} ({files.shown_size(f.size)})" for f in self.files)


def of_mail(attachments: Sequence[Attachment], *, inline: bool = True) -> list[Candidate]:
    """A mail's files as they were taken in (the hash names the stored blob); with
    `inline`, pasted images stay pasted (for a mail whose HTML shows them)."""
    return [
        Candidate(
            ref=FileRef(
                blob=files.content_hash(a.content) if a.content is not None else "",
                filename=a.filename,
                content_type=a.content_type,
                size=a.size,
                content_id=a.content_id if inline and a.inline and _image(a.content_type) else None,
            ),
            kept=a.content is not None,
            blocked=files.blocked(a.filename, a.content_type, a.content),
        )
        for a in attachments
    ]


def _image(content_type: str) -> bool:
    return content_type.lower().startswith("image/")


def choose(
    candidates: Iterable[Candidate], cap: int, domain: str, *, for_staff: bool = True
) -> Carried:
    """What goes (in order, while it fits the cap) and how each file is named."""
    shown: list[AttachmentShown] = []
    going: list[FileRef] = []
    room = cap
    left = _left(cap, for_staff)
    for i, c in enumerate(candidates):
        why: Said = ""
        if c.removed:
            why = REMOVED
        elif not c.kept:
            why = NOT_KEPT
        elif c.blocked:
            why = N_(
                "not forwarded: %(why)s (kept on the ticket)", why=files.blocked_words(c.blocked)
            )
        elif c.ref.size > room:
            why = left
        cid = None
        if not why:
            room -= c.ref.size
            cid = f"f{i}.{c.ref.blob[:16]}@{domain}" if c.ref.content_id else None
            going.append(replace(c.ref, content_id=cid))
        shown.append(AttachmentShown(c.ref.filename, c.ref.size, c.kept, why=why, cid=cid))
    return Carried(tuple(going), tuple(shown))
