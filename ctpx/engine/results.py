"""The records the engine hands back: ``Outcome`` (in-memory datasets) and ``FileResult`` (files)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, SKIPPED, QUARANTINED = "ok", "skipped", "quarantined"
STATUSES = (OK, SKIPPED, QUARANTINED)

#: The identifiers a run report maps from old to new, in this order.
ID_TAGS = (("PatientID", 0x00100020), ("StudyInstanceUID", 0x0020000D),
           ("SeriesInstanceUID", 0x0020000E), ("SOPInstanceUID", 0x00080018))


def warning(code: str, message: str, tag: int | None = None) -> dict[str, Any]:
    """A warning record: ``{"code", "message", "tag"}`` (tag as ``(gggg,eeee)`` or None)."""
    return {"code": code, "message": message,
            "tag": None if tag is None else f"({tag >> 16:04X},{tag & 0xFFFF:04X})"}


@dataclass
class Outcome:
    """What happened to one in-memory dataset.

    ``status`` is ``ok``, ``skipped`` or ``quarantined``; ``code`` is a ``RUN`` code (None when
    ok); ``warnings`` are records from :func:`warning`; ``dataset`` is the de-identified pydicom
    Dataset when ok, else None.
    """

    status: str
    code: str | None = None
    message: str = ""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    dataset: Any = None

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class FileResult:
    """What happened to one file (or bytes).

    ``output`` is the output file when ok (``ctpx.engine.write.Output``: write it with
    ``output.write_to(fd, src_fd)``, or take ``data``, its bytes). ``ids`` maps each of PatientID,
    StudyInstanceUID, SeriesInstanceUID and SOPInstanceUID to ``(old, new)`` (new is None when the
    element was removed, both None when it was absent); ``uid_map`` maps every UI value that
    changed anywhere in the dataset to its replacement.
    """

    status: str
    code: str | None = None
    message: str = ""
    warnings: list[dict[str, Any]] = field(default_factory=list)
    output: Any = None
    ids: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    uid_map: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def data(self) -> bytes | None:
        """The bytes of the output file (None unless ok)."""
        return None if self.output is None else self.output.to_bytes()

