"""What the property and attack tests share: byte-level mutations of a valid input."""

from __future__ import annotations

from hypothesis import strategies as st


@st.composite
def mutations(draw, data: bytes, *, min_edits: int = 0, keep: int = 0) -> bytes:
    """``data`` with a few bytes overwritten, inserted or removed, or cut short (never
    before byte ``keep``, e.g. to keep a file signature)."""
    data = bytearray(data)
    for _ in range(draw(st.integers(min_edits, 4))):
        kind = draw(st.sampled_from(["set", "insert", "delete", "truncate"]))
        at = draw(st.integers(0, len(data)))
        if kind == "set" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete":
            del data[at : at + draw(st.integers(1, 8))]
        elif kind == "truncate":
            del data[max(at, keep) :]
    return bytes(data)


def claiming_one_member(data: bytes) -> bytes:
    """``data`` (a zip) with its end record claiming a single member: zipfile reads the
    whole directory (its size), whatever count the end record gives."""
    out = bytearray(data)
    end = out.rfind(b"PK\x05\x06")
    out[end + 8 : end + 12] = (1).to_bytes(2, "little") * 2
    return bytes(out)
