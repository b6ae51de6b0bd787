"""Storage at the edge: the session history (SQLite), the profile (TOML), where files live."""
