"""A stand-in for an app above ``documents`` that brings a form of its own (the registry tests)."""
