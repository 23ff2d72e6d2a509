"""`hil` subcommands, one module each: `register(subparsers)` and a handler returning an exit code."""
