"""tasks (filled in by later issues)."""
