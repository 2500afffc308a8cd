"""Charset labels read as mail clients read them.

A label names a subset of what the sender's software really wrote: a mail
labelled GB2312 holds GBK, one labelled ISO-8859-1 or US-ASCII holds
Windows-1252. Browsers and mail clients decode with the superset the WHATWG
Encoding Standard names for each label; so does maild, from the same table
(the webencodings package), with its decoders where Python's alias would pick
a narrower codec.
"""

from __future__ import annotations

import codecs
from functools import lru_cache

import webencodings

# WHATWG encodings whose decoder is wider than the Python codec of the same name.
WIDER = {
    "gbk": "gb18030",  # the standard's GBK decoder is its gb18030 decoder
    "iso-8859-8-i": "iso8859-8",
    "shift_jis": "cp932",
    "euc-kr": "cp949",
    "big5": "big5hkscs",
}
# Labels the standard maps to its "replacement" encoding (decoders browsers
# removed, as a defence for web pages): a mail in them is read with Python's
# own codec of that label.
_REPLACEMENT = "replacement"


@lru_cache(maxsize=256)
def codec(label: str | None) -> str | None:
    """The Python codec to read text labelled `label`; None when nobody knows it."""
    if not label:
        return None
    label = label.strip().strip('"').strip()
    found = webencodings.lookup(label)
    names = [label]
    if found is not None and found.name != _REPLACEMENT:
        names.insert(0, WIDER.get(found.name, found.codec_info.name))
    for name in names:
        try:
            return codecs.lookup(name).name
        except LookupError:
            continue  # x-user-defined: the standard's own, not a codec of Python's
    return None
