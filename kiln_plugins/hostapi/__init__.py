"""The host API: the functions plugin code may call, defined once (DESIGN §2, §8)."""
