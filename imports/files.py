"""Reading an uploaded export file without trusting it: its size, a zip's members, a CSV's
encoding. Everything here runs before anything is stored, so a bad file is one clear
message where the reader acted and nothing partial.
"""

from __future__ import annotations

import io
import zipfile
import zlib

from charset_normalizer import from_bytes
from django.conf import settings

MB = 1024 * 1024
# A member that inflates more than this many times over its compressed size is a bomb;
# real HTML and JSON compress 5 to 15 times, a page of one repeated byte 1,000 times.
MAX_RATIO = 100
# Below this a member's ratio does not matter: it cannot fill anything.
RATIO_FLOOR = MB
MAX_MEMBERS = 50_000


class ImportFileError(Exception):
    """The file cannot be imported; the message says why, for the reader."""


def check_size(size: int) -> None:
    limit = settings.IMPORT_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            f"The file is {size / MB:,.0f} MB; an import file can be at most {limit // MB} MB."
        )


def read_zip(raw: bytes) -> dict[str, bytes]:
    """The members of a zip file by name, after checking from its directory alone (before
    inflating anything) that it unpacks to a sane size: a truncated file, a zip bomb, a
    file with too many members are refused."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(
            "This zip file is damaged or cut short (its directory cannot be read): "
            "download the export again."
        ) from exc
    with archive:
        infos = [info for info in archive.infolist() if not info.is_dir()]
        if len(infos) > MAX_MEMBERS:
            raise ImportFileError(f"The zip file holds more than {MAX_MEMBERS:,} files.")
        limit = settings.IMPORT_MAX_UNCOMPRESSED
        total = sum(info.file_size for info in infos)
        if total > limit:
            raise ImportFileError(
                f"The zip file would unpack to {total / MB:,.0f} MB, more than the "
                f"{limit // MB} MB an import may hold."
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > MAX_RATIO:
                raise ImportFileError(
                    f"“{info.filename}” in the zip file inflates {ratio:,.0f} times: "
                    "this looks like a zip bomb, not an export."
                )
        members: dict[str, bytes] = {}
        for info in infos:
            try:
                with archive.open(info) as member:
                    # Never more than the directory declared: a lying header stops here.
                    data = member.read(info.file_size + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError) as exc:
                raise ImportFileError(
                    f"“{info.filename}” in the zip file is damaged or cut short: "
                    "download the export again."
                ) from exc
            if len(data) > info.file_size:
                raise ImportFileError(
                    f"“{info.filename}” in the zip file is larger than its directory says."
                )
            members[info.filename] = data
    return members


def decode_text(raw: bytes, what: str = "file") -> str:
    """Text in UTF-8 (with or without a byte order mark), else in the encoding the bytes
    show (a spreadsheet's CSV in Windows-1252, say), found by charset-normalizer."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    if b"\x00" in raw[:4096] and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(f"This {what} is binary, not text.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best = from_bytes(raw).best()
    if best is None:
        raise ImportFileError(f"The {what}'s character encoding could not be determined.")
    return str(best)
