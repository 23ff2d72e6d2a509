"""Stage inputs: timed driver and world channels the DRV node and the plant play back."""
