"""Files: safe names for any input, blocked types, the cap, and the streamed encoding."""

from __future__ import annotations

import base64
import io
import unicodedata
import zipfile

from hypothesis import given
from hypothesis import strategies as st

from maild.adapters.outgoing import PIECE, Streamed, encoded
from maild.core import files
from maild.core.files import FileRef, batches, blocked, pack, safe_name


@given(st.text(max_size=400), st.sampled_from(["image/png", "application/pdf", "x/y", ""]))
def test_any_name_becomes_a_safe_non_empty_one(name, content_type):
    safe = safe_name(name, content_type)
    assert safe and safe == safe.strip() and not safe.startswith(".")
    assert len(safe) <= files.MAX_NAME_CHARS
    assert not any(c in safe for c in '/\\<>:"|?*')
    assert not any(unicodedata.category(c) in {"Cc", "Cf", "Cs", "Co", "Cn"} for c in safe)
    assert safe_name(safe, content_type) == safe  # a safe name stays as it is


def test_names_keep_what_a_person_wrote():
    assert safe_name("Rechnung März.pdf") == "Rechnung März.pdf"
    assert safe_name("請求書.pdf") == "請求書.pdf"
    assert safe_name("../../etc/passwd") == "passwd"
    assert safe_name("C:\\Users\\sam\\scan.png") == "scan.png"
    assert safe_name("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert safe_name("a\x00b\x07c.txt") == "abc.txt"
    assert safe_name("CON.txt") == "_CON.txt"
    assert safe_name(None, "image/png") == "attachment.png"
    assert safe_name("x" * 500 + ".pdf").endswith(".pdf")


def test_programs_are_blocked_by_name_type_and_inside_a_zip():
    assert blocked("setup.EXE", "application/octet-stream", b"MZ")
    assert blocked("run.ps1", "text/plain", b"")
    assert blocked("page", "application/x-msdownload", b"")
    assert blocked("label.pdf", "application/pdf", b"%PDF") is None
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("docs/readme.txt", b"x")
        z.writestr("docs/invoice.pdf.vbs", b"x")
    why = blocked("docs.zip", "application/zip", archive.getvalue())
    assert why is not None and "invoice.pdf.vbs" in why
    assert blocked("broken.zip", "application/zip", b"PK\x03\x04 not a zip") is None


def ref(name: str, size: int) -> FileRef:
    return FileRef(name, name, "application/pdf", size)


def test_the_cap_takes_files_in_order_while_they_fit():
    got = pack([ref("a", 6), ref("b", 6), ref("c", 3)], cap=10)
    assert [f.filename for f in got.sent] == ["a", "c"]
    assert [f.filename for f in got.left] == ["b"]


def test_files_go_in_as_few_mails_under_the_cap_as_first_fit_gives():
    mails = batches([ref("a", 6), ref("b", 6), ref("c", 3), ref("big", 30)], cap=10)
    assert [[f.filename for f in m] for m in mails] == [["a", "c"], ["b"], ["big"]]
    assert all(sum(f.size for f in m) <= 10 for m in mails if len(m) > 1)


@given(st.binary(max_size=5000), st.integers(min_value=1, max_value=4000))
def test_streamed_base64_is_the_bytes_in_pieces_of_any_size(data, piece):
    chunks = [data[i : i + piece] for i in range(0, len(data), piece)]
    out = b"".join(encoded(iter(chunks)))
    assert base64.b64decode(out) == data
    assert all(len(line) <= 76 for line in out.split(b"\r\n"))
    assert not out.endswith(b"\r\n")


def test_streamed_base64_across_whole_pieces():
    data = bytes(range(256)) * ((2 * PIECE) // 256 + 3)
    chunks = [data[i : i + 1_000_000] for i in range(0, len(data), 1_000_000)]
    out = b"".join(encoded(iter(chunks)))
    assert base64.b64decode(out) == data and b"\r\n\r\n" not in out


def test_an_erased_file_is_sent_as_a_note_saying_so():
    raw = b"head\r\n--b\r\nContent-Type: application/pdf\r\n\r\n\r\n--b--\r\n"
    start = raw.index(b"Content-Type")
    body = raw.index(b"\r\n\r\n", start) + 4
    where = [{"blob": "abc", "start": start, "body": body}]

    def gone(_digest: str):
        return None

    out = Streamed(raw, where, gone).whole()
    assert b"application/pdf" not in out and b"removed" in out and out.endswith(b"--b--\r\n")

    def kept(_digest: str):
        return iter([b"pdf"])

    out = Streamed(raw, where, kept).whole()
    assert out == raw[:body] + base64.b64encode(b"pdf") + raw[body:]
