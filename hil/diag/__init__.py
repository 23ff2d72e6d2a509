"""Diagnostics: a UDS (ISO 14229) server per emulated controller over ISO-TP (ISO 15765-2).

Built on udsoncan (request/response encoding) and can-isotp (the transport state machine, run
in virtual time by `isotp_link`). `endpoint.DiagEndpoint` is what the run's owner talks to.
"""
