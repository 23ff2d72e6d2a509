"""Runtime: clocks, the node protocol, and the session that runs emulated nodes on a bus."""
