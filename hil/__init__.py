"""d7xr-hil: hardware-in-the-loop emulator for the Defender D7X-R driveline controllers."""

__version__ = "0.1.0"
