"""evaluation (filled in by later issues)."""
