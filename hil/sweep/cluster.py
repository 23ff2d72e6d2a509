"""Where a sweep runs: an existing Dask scheduler, or a LocalCluster on this machine's loopback only."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from distributed import Client, LocalCluster

from hil.errors import UsageError
from hil.version import __version__

LOOPBACK = "127.0.0.1"
DASHBOARD = f"{LOOPBACK}:8787"  # Dask's usual port; it picks another if that one is taken


@contextlib.contextmanager
def connect(scheduler: str | None, workers: int | None, *, dashboard: bool = True,
            connect_timeout_s: float = 30.0) -> Iterator[Client]:
    """A client on `scheduler` (waiting for `workers` if given), else on a new LocalCluster.

    The local cluster is one single-threaded worker process per core (the runs are pure Python,
    so threads would only share one GIL), every server bound to 127.0.0.1.
    """
    if workers is not None and workers < 1:
        raise UsageError("--workers must be at least 1")
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=connect_timeout_s)  # type: ignore[no-untyped-call]
        except OSError as exc:
            raise UsageError(f"--scheduler {scheduler}: cannot connect ({exc})") from None
        with client:
            if workers is not None:
                try:
                    client.wait_for_workers(workers, timeout=connect_timeout_s * 10)
                except TimeoutError:
                    raise UsageError(f"--workers {workers}: the scheduler {scheduler} has fewer workers") from None
            yield client
        return
    # the scheduler serves HTTP (health, metrics) even without a dashboard: on a free loopback port then
    http = {} if dashboard else {"dashboard_address": f"{LOOPBACK}:0"}
    with LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                      host=LOOPBACK, dashboard_address=DASHBOARD if dashboard else None, scheduler_kwargs=http,
                      worker_dashboard_address=None) as cluster, Client(cluster) as client:  # type: ignore[no-untyped-call]
        yield client


def dashboard_line(client: Client, enabled: bool) -> str:
    return f"dashboard: {client.dashboard_link}" if enabled else "dashboard: off"


def check_workers(client: Client) -> int:
    """Every worker runs this d7xr-hil version and can load the run code (a broken install fails here,
    not in every job; the first job then starts warm); returns the number of workers."""
    try:
        versions: dict[str, str] = client.run(_hil_version)
    except Exception as exc:  # the worker could not even load the function: no hil there
        raise UsageError(f"a Dask worker cannot run hil ({type(exc).__name__}: {exc}); "
                         "install the same version on every worker: pip install 'd7xr-hil[sweep]'") from None
    wrong = {addr: v for addr, v in versions.items() if v != __version__}
    if wrong:
        shown = ", ".join(f"{addr} has {v}" for addr, v in sorted(wrong.items()))
        raise UsageError(f"Dask workers run another d7xr-hil than this {__version__}: {shown}")
    return len(versions)


def _hil_version() -> str:
    import hil.sweep.job  # noqa: F401, PLC0415  (on the worker: the Rig, models, results writers)

    return __version__
