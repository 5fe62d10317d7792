"""Risk events: tags, scans, reporters, facts and guidance, every insurer at once, live progress."""
