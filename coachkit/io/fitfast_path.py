"""The fast FIT decode (fitfast), kept for files whose only fault is the checksum.

fitfast refuses a file whose CRC does not match, and fitdecode, the fallback, is ~50x slower.
Two kinds of file get there needlessly:

- sound files fitfast miscounts: with a 14-byte header whose header CRC is 0, fitfast 0.1
  checksums the data without the header, where the FIT SDK includes it (two real files here,
  an FR110 and an FR910XT, match the SDK's CRC and fail fitfast's);
- files whose checksum is stale or damaged while the records are sound (an app rewrote the
  file without updating it).

:func:`decode_fast` then retries fitfast on a copy whose stored CRC is the one fitfast
computes. A file whose CRC is wrong by the SDK keeps the warning "CRC mismatch; read with
fitfast, CRC check off", so the plausibility check
(:func:`coachkit.io.base.refuse_damaged_nonsense`) still judges what damaged bytes decode to.

FIT SDK, "FIT File Structure": a file is a 12- or 14-byte header (bytes 0..3: header size,
protocol, profile; 4..7: data size, little-endian; 8..11: ".FIT"; 12..13: header CRC, 0 when
unused), the data records, and a 2-byte CRC of everything before it. The CRC is CRC-16/ARC
(reflected polynomial 0xA001, initial value 0): ``FitCRC_Get16`` in the SDK computes the same
with a 16-entry nibble table.
"""

from __future__ import annotations

import struct

from coachkit.io.fit_fallback import FitContent


def _table() -> list[int]:
    out = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        out.append(crc)
    return out


_TABLE = _table()


def crc16(data: bytes, crc: int = 0) -> int:
    """CRC-16/ARC of ``data``, continuing from ``crc``.

    >>> hex(crc16(b"123456789"))  # the catalogued check value of CRC-16/ARC
    '0xbb3d'
    """
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _decode(data: bytes) -> FitContent:
    import fitfast

    records = fitfast.records(data, "record")
    messages = fitfast.parse(data)
    record_dicts = messages.pop("record", [])
    packed = None
    # fitfast leaves compressed_speed_distance packed and records() skips byte fields, so the
    # (rare, FR70-era) packed values are taken from parse()'s record dicts, aligned by position.
    if any("compressed_speed_distance" in r for r in record_dicts):
        packed = [r.get("compressed_speed_distance") for r in record_dicts]
    return FitContent(
        records=records, messages=messages, decoder="fitfast", compressed_speed_distance=packed
    )


def decode_fast(data: bytes) -> FitContent:
    """Decode with fitfast; on a checksum mismatch of a whole (unchained) file, again with the
    CRC fitfast expects (see the module docstring). Raises what fitfast raised otherwise."""
    try:
        return _decode(data)
    except Exception as exc:
        if "checksum" not in str(exc).lower() or (end := _whole_file_end(data)) is None:
            raise
        refused = exc
    stored, sdk_crc = struct.unpack_from("<H", data, end)[0], crc16(data[:end])
    for crc in (sdk_crc, crc16(data[data[0] : end])):  # the SDK's, header-less
        if crc == stored:
            continue  # what fitfast just refused
        patched = bytearray(data)
        struct.pack_into("<H", patched, end, crc)
        try:
            content = _decode(bytes(patched))
        except Exception:
            continue
        if stored != sdk_crc:
            content.warnings.insert(0, "CRC mismatch; read with fitfast, CRC check off")
        return content
    raise refused


def _whole_file_end(data: bytes) -> int | None:
    """Offset of the file CRC of one whole FIT file (header + data + CRC, nothing after), else
    None (chained, truncated or with trailing bytes: those go to the fallback)."""
    if len(data) < 14 or data[0] not in (12, 14) or data[8:12] != b".FIT":
        return None
    end = data[0] + struct.unpack_from("<I", data, 4)[0]
    return end if end + 2 == len(data) else None
