"""The CAN edge: DBC codec, AUTOSAR E2E, receive pump, frame log, bus health counters."""
