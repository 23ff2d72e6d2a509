"""MQTT bridge: live telemetry, events, status and remote commands through a broker.

Optional: a rig without an `[mqtt]` section never imports aiomqtt's client or opens a socket.
"""
