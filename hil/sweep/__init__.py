"""Calibration sweeps on Dask distributed: expand variants, submit pure virtual-time runs, one table.

Only `hil.sweep.client` and `hil.sweep.cluster` import dask; the rest is plain data and files.
"""
