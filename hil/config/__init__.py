"""Typed configuration: TOML/YAML files validated once, at the edge, into frozen objects."""
