"""What the property tests share: byte-level mutations of a valid input."""

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
