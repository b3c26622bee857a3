"""Tolerant FIT decoding with fitdecode, for the files the fast decoder refuses.

fitfast (the fast path in :mod:`coachkit.io.fit`) stops at the first CRC mismatch, truncation or
undefined message. Real files have all three, so this module re-reads them with fitdecode, CRC
check off, and keeps everything decoded before a fatal error. Both paths produce the same
:class:`FitContent`: record columns as float64 NumPy arrays (timestamps in Unix seconds,
positions in degrees) and the other messages as dicts (times in Unix seconds, enums as profile
names), so that one builder turns either into activities. The low-level FIT conversions both
paths share (semicircles, packed speed/distance, the FIT epoch) live here too.
"""

from __future__ import annotations

import math
import struct
import warnings
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from coachkit.io.errors import UnreadableFile

# FIT SDK, Profile "date_time": seconds since 1989-12-31T00:00:00Z, which is this Unix time.
FIT_EPOCH_UNIX_S = 631_065_600
# FIT stores positions as semicircles: 2**31 semicircles = 180 degrees.
DEG_PER_SEMICIRCLE = 180.0 / 2**31

#: records kept from one FIT file: about 69 hours at one a second (the same bound as track points
#: in GPX and TCX); the rest of a longer file is not read
MAX_RECORDS = 250_000
#: other messages kept (laps, events, device info, HRV beats: a day of R-R is ~20,000 of them)
MAX_OTHER_MESSAGES = 200_000
#: the record fields coachkit turns into samples (developer fields named "power" are kept too)
RECORD_FIELDS = (
    "timestamp",
    "position_lat",
    "position_long",
    "distance",
    "altitude",
    "enhanced_altitude",
    "speed",
    "enhanced_speed",
    "heart_rate",
    "cadence",
    "fractional_cadence",
    "power",
    "temperature",
)


@dataclass
class FitContent:
    """What a FIT decoder found, in one shape whichever decoder it was."""

    records: dict[str, np.ndarray]
    messages: dict[str, list[dict[Any, Any]]]
    decoder: str
    warnings: list[str] = field(default_factory=list)
    #: compressed_speed_distance values per record (bytes or None), when the decoder left them packed
    compressed_speed_distance: list[Any] | None = None


def semicircles_to_degrees(values: np.ndarray) -> np.ndarray:
    """Convert FIT semicircles to degrees (``deg = sc * 180 / 2**31``)."""
    return np.asarray(values, dtype=float) * DEG_PER_SEMICIRCLE


def repair_zero_size_header(data: bytes) -> tuple[bytes, bool]:
    """Give an unfinished recording's header its real data size.

    A device that stops before closing the file leaves ``data_size = 0`` in the header with the
    messages still following it (seen in a Zwift file cut at 84 KiB). Decoders then see nothing.
    Declaring everything after the header as data lets a tolerant decoder read up to the cut.
    """
    if len(data) < 14 or data[0] not in (12, 14) or len(data) <= data[0] + 2:
        return data, False
    if struct.unpack_from("<I", data, 4)[0] != 0:
        return data, False
    fixed = bytearray(data)
    struct.pack_into("<I", fixed, 4, len(data) - data[0])
    return bytes(fixed), True


def why_fast_failed(exc: BaseException) -> str:
    """A short reason for the warning when fitfast refuses a file the fallback then reads."""
    text = str(exc).lower()
    if "checksum" in text or "crc" in text:
        return "CRC mismatch"
    if "eof" in text:
        return "file truncated"
    if "message definition" in text:
        return "a message refers to an undefined definition"
    if "not a fit file" in text:
        return "a chained FIT part has a corrupt header"
    return f"fitfast could not decode it ({str(exc)[:80]})"


def expand_compressed_speed_distance(packed: list[Any]) -> tuple[np.ndarray, np.ndarray]:
    """Unpack FIT ``compressed_speed_distance`` (3 bytes per record) into speed and distance.

    FIT SDK Profile, record field 8: bits 0-11 are speed in 1/100 m/s; bits 12-23 are distance
    in 1/16 m, a 12-bit counter that rolls over every 4096/16 = 256 m and is accumulated.

    >>> s, d = expand_compressed_speed_distance([bytes([98, 1, 0]), bytes([99, 0x41, 14])])
    >>> s.tolist(), d.tolist()
    ([3.54, 3.55], [0.0, 14.25])
    """
    speed = np.full(len(packed), np.nan)
    dist = np.full(len(packed), np.nan)
    total, last = 0, 0
    for i, raw in enumerate(packed):
        if raw is None or len(raw) < 3:
            continue
        b0, b1, b2 = raw[0], raw[1], raw[2]
        counter = (b1 >> 4) | (b2 << 4)
        total += (counter - last) & 0xFFF  # the SDK's accumulate: add the wrapped difference
        last = counter
        speed[i] = (b0 | ((b1 & 0x0F) << 8)) / 100.0
        dist[i] = total / 16.0
    return speed, dist


def _field_spec(fd: Any, subfield_type: type) -> tuple[str, bool, bool]:
    """(name, is a time, use the raw value) for one fitdecode field, shaped like fitfast's."""
    fdef, name, use_raw = fd.field, fd.name, False
    if isinstance(fdef, subfield_type) and fd.parent_field is not None:
        # fitdecode names a field after its resolved sub-field (garmin_product,
        # avg_running_cadence); fitfast keeps the parent name and the raw enum number.
        name = fd.parent_field.name
        use_raw = not fdef.is_base_type
    type_name = getattr(getattr(fdef, "type", None), "name", "")
    return name, name == "timestamp" or type_name in ("date_time", "local_date_time"), use_raw


def _message_dict(frame: Any, subfield_type: type, cache: dict[Any, Any]) -> dict[str, Any]:
    """One fitdecode data message as a dict shaped like fitfast's ``parse`` output."""
    row: dict[str, Any] = {}
    for fd in frame.fields:
        value, fdef = fd.value, fd.field
        if value is None or fdef is None:  # invalid, or a field no profile names
            continue
        spec = cache.get((fdef, fd.parent_field))
        if spec is None:
            spec = cache[(fdef, fd.parent_field)] = _field_spec(fd, subfield_type)
        name, is_time, use_raw = spec
        if use_raw and isinstance(fd.raw_value, int):
            value = fd.raw_value
        elif is_time and isinstance(value, int):
            value += FIT_EPOCH_UNIX_S  # raw FIT date_time counts from the FIT epoch
        row[name] = value
    return row


def _number(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return math.nan


def _record_columns(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Columns like ``fitfast.records`` (positions still in semicircles): float64, NaN where a
    record lacks the field."""
    if not rows:
        return {}
    present = set().union(*rows)
    wanted = [
        k for k in present if k in RECORD_FIELDS or (isinstance(k, str) and k.lower() == "power")
    ]
    return {k: np.array([_number(r.get(k)) for r in rows], dtype=float) for k in wanted}


class _RecordColumns:
    """Record rows turned into columns a batch at a time, so that memory holds floats, not the
    dicts of every record."""

    BATCH = 16_384

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.batches: list[tuple[int, dict[str, np.ndarray]]] = []
        self.n = 0

    def append(self, row: dict[str, Any]) -> None:
        self.rows.append(row)
        self.n += 1
        if len(self.rows) >= self.BATCH:
            self._flush()

    def _flush(self) -> None:
        if self.rows:
            self.batches.append((len(self.rows), _record_columns(self.rows)))
            self.rows = []

    def columns(self) -> dict[str, np.ndarray]:
        """Every record's columns, NaN where a batch lacked the field, positions in degrees."""
        self._flush()
        keys = {k for _, cols in self.batches for k in cols}
        out = {
            k: np.concatenate([cols.get(k, np.full(n, np.nan)) for n, cols in self.batches])
            for k in keys
        }
        for key in ("position_lat", "position_long"):
            if key in out:
                out[key] = semicircles_to_degrees(out[key])
        return out


def decode_with_fitdecode(data: bytes, max_records: int = MAX_RECORDS) -> FitContent:
    """Decode FIT bytes with fitdecode, CRC check off, keeping all messages before a fatal error.

    Reading stops after ``max_records`` records or :data:`MAX_OTHER_MESSAGES` other messages,
    with a warning that says what was kept: memory stays bounded whatever the file holds.

    Raises
    ------
    UnreadableFile
        When not a single message could be decoded (the reason says why).
    """
    import fitdecode
    from fitdecode.exceptions import FitEOFError, FitHeaderError, FitParseError
    from fitdecode.types import SubField

    buf, repaired = repair_zero_size_header(data)
    messages: dict[str, list[dict[Any, Any]]] = defaultdict(list)
    records = _RecordColumns()
    n_other = 0
    notes: list[str] = []
    cache: dict[Any, Any] = {}
    n_headers = 0
    stop: str | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            reader = fitdecode.FitReader(
                buf,
                processor=None,  # its datetime objects cost time; times are converted below
                check_crc=fitdecode.CrcCheck.DISABLED,
                error_handling=fitdecode.ErrorHandling.WARN,
            )
            with reader:
                for frame in reader:
                    if isinstance(frame, fitdecode.FitHeader):
                        n_headers += 1
                    elif isinstance(frame, fitdecode.FitDataMessage):
                        row = _message_dict(frame, SubField, cache)
                        if frame.name == "record":
                            if records.n >= max_records:
                                stop = f"more than {max_records:,} records"
                                break
                            records.append(row)
                        else:
                            n_other += 1
                            if n_other > MAX_OTHER_MESSAGES:
                                stop = f"more than {MAX_OTHER_MESSAGES:,} messages besides records"
                                break
                            messages[frame.name].append(row)
        except FitEOFError:
            stop = "the file ends in the middle of a message (truncated)"
        except FitHeaderError as exc:
            if n_headers == 0 or not (records.n or messages):
                raise UnreadableFile(f"not a readable FIT file: {exc}") from None
            stop = f"FIT part {n_headers + 1} has a corrupt header ({exc}); ignored the rest"
        except FitParseError as exc:
            stop = f"decoding stopped ({exc})"
        except Exception as exc:  # fitdecode raises assorted errors on garbage; keep what we have
            stop = f"decoding stopped ({exc.__class__.__name__}: {str(exc)[:80]})"
    if not records.n and not messages:
        raise UnreadableFile(f"not a readable FIT file: {stop or 'no messages in it'}")
    if repaired:
        notes.append(
            "the header declares no data (a recording the device never finished); "
            "read the messages that follow it"
        )
    if stop:
        notes.append(f"{stop}; kept the {records.n:,} records decoded before that")
    if caught:
        first = str(caught[0].message).splitlines()[0][:100]
        notes.append(f"fitdecode reported {len(caught)} decoding problem(s), first: {first}")
    return FitContent(
        records=records.columns(),
        messages=dict(messages),
        decoder="fitdecode",
        warnings=notes,
    )
