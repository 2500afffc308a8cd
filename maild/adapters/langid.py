"""The language of a text, by py3langid (97 languages, naive Bayes over byte n-grams).

Its packaged model is LZMA-compressed: unpacking it costs 1-3 s of CPU, which a process
per piped mail cannot pay each time. So the first process unpacks it once into a cache
folder (cache_folder(): systemd's CacheDirectory=, else the user's XDG cache; ~70 MB of
plain files, one folder per py3langid version), and every later one maps it in within
milliseconds. The tables are memory-mapped, not copied: the pages a process reads are
the page cache's, shared by every maild process and given back under pressure (the
daemon's RSS counts them as RssFile, ~45 MB once warm; its own memory grows ~5 MB). A
process loads the model once, whatever the number of its Detectors. The daemon loads
it in a background thread as it starts; a mail that needs it before then waits, once.
"""

from __future__ import annotations

import functools
import json
import logging
import mmap
import os
import threading
from pathlib import Path
from typing import Any

from maild.core.language import Guess

log = logging.getLogger(__name__)

FORMAT = 2  # the layout of the unpacked files: a new one unpacks afresh beside the old
_FILES = ("ptc.npy", "pc.npy", "out_feat.bin", "nextmove.bin", "row.bin", "meta.json")


def _unpack(folder: Path) -> None:
    """The packaged model, unpacked into `folder` (written aside, then renamed: a
    second process unpacking at the same time finds a whole folder or none)."""
    import numpy as np
    from py3langid import langid, modelio

    ptc, pc, classes, nextmove, row, output = modelio.load_model(
        langid.MODEL_DIR / langid.MODEL_FILE
    )
    aside = folder.with_name(f"{folder.name}.{os.getpid()}.tmp")
    aside.mkdir(parents=True, exist_ok=True)
    np.save(aside / "ptc.npy", ptc)
    np.save(aside / "pc.npy", pc)
    (aside / "out_feat.bin").write_bytes(np.asarray(output, dtype=np.int32).tobytes())
    (aside / "nextmove.bin").write_bytes(nextmove.tobytes())
    (aside / "row.bin").write_bytes(row.tobytes())
    meta = {"classes": classes, "nextmove": nextmove.typecode, "row": row.typecode}
    (aside / "meta.json").write_text(json.dumps(meta))
    try:
        aside.rename(folder)
    except OSError:  # another process won the race: theirs is as good
        for name in _FILES:
            (aside / name).unlink(missing_ok=True)
        aside.rmdir()


def cache_folder() -> Path:
    from py3langid import __version__

    given = os.environ.get("CACHE_DIRECTORY", "").split(":")[0]
    base = (
        Path(given)
        if given
        else Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "maild"
    )
    return base / f"langid-{__version__}-{FORMAT}"


@functools.cache
def _identifier(folder: Path) -> Any:
    import numpy as np
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    if not all((folder / name).is_file() for name in _FILES):
        try:
            _unpack(folder)
        except OSError as e:  # a state folder this process may not write: the slow way
            log.info("language model not cached in %s (%s): unpacked in memory", folder, e)
            return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    meta = json.loads((folder / "meta.json").read_text())
    return LanguageIdentifier(
        np.load(folder / "ptc.npy", mmap_mode="r"),
        np.load(folder / "pc.npy"),
        meta["classes"],
        _mapped(folder / "nextmove.bin", meta["nextmove"]),
        _mapped(folder / "out_feat.bin", "i"),
        norm_probs=True,
        tk_row=_mapped(folder / "row.bin", meta["row"]),
    )


def _mapped(path: Path, typecode: str) -> Any:
    """A table read in place: indexing it reads the page it needs, nothing more."""
    with open(path, "rb") as f:
        pages = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    return memoryview(pages).cast(typecode)  # type: ignore[call-overload]  # a typecode from meta.json


class Detector:
    """detect(text) -> Guess; the model loads in the background from start()."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_folder()
        self._model: Any = None
        self._ready = threading.Event()
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self._load, name="langid", daemon=True).start()

    def _load(self) -> None:
        with self._lock:
            if self._model is None:
                try:
                    self._model = _identifier(self.folder)
                except (OSError, ValueError) as e:  # no language from text; the rest works
                    log.warning("language detection is off: %s", e)
                    self._model = False
                self._ready.set()

    def __call__(self, text: str) -> Guess:
        if not self._ready.is_set():
            self._load()
        if not self._model:
            return Guess("und", 0.0)
        language, confidence = self._model.classify(text)
        return Guess(str(language), float(confidence))
