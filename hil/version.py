"""The package version (its own module: everything may import it without loading the package facade)."""

__version__ = "0.1.0"
