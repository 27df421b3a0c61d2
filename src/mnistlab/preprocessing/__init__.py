"""preprocessing (filled in by later issues)."""
