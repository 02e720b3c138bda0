"""kiln-plugins: sandboxed Lua and Rune plugins that live as notes in a markdown kiln."""

__version__ = "0.1.0"
