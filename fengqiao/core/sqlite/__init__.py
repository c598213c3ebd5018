"""The embedded database: Django's SQLite backend that keeps its own statistics current."""
