"""One file walker, one pool and one error convention for every batch job.

* :func:`walk_files` / :func:`iter_images` turn what a user typed (files and folders) into files,
  in a stable order; ``imgfake info``, ``predict``, ``synth``, manifests and scans all use them.
* :func:`map_files` runs a job per file on a pool of threads or processes, yields results in
  input order while keeping a bounded number in flight, and turns any failure of one file into
  a :class:`FileError` record: one bad file never stops a run.
* :func:`error_message` is the one way an exception becomes words for a person (never a Python
  class name).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from .io import IMAGE_EXTENSIONS, ImageLoadError

__all__ = ["FileError", "walk_files", "iter_images", "map_files", "error_message", "default_workers"]

T = TypeVar("T")


@dataclass(frozen=True)
class FileError:
    """A file a batch job could not process, and why (in words for a person)."""

    path: str
    message: str

    def __str__(self) -> str:
        return self.message

    def to_dict(self) -> dict:
        return {"path": self.path, "error": self.message}


def error_message(exc: BaseException) -> str:
    """What went wrong, in words: the exception's own message for the errors imgfake raises on
    purpose, the operating system's words for I/O errors, never a bare class name."""
    if isinstance(exc, ImageLoadError):
        return str(exc)
    if isinstance(exc, MemoryError):
        return "not enough memory to process this file: try a smaller copy or fewer workers"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"cannot read the file{where}: {exc.strerror}"
    text = str(exc).strip()
    if isinstance(exc, KeyError | IndexError | TypeError | AttributeError) or not text:
        # an internal error: keep the words, name the kind for a bug report
        return f"could not be processed ({text or 'internal error'}); please report this file"
    return text


def default_workers() -> int:
    """The number of CPUs, at most 8."""
    return max(1, min(8, os.cpu_count() or 1))


def _hidden(name: str) -> bool:
    return name.startswith((".", "__"))


def walk_files(paths: Iterable[str | os.PathLike], *,
               extensions: Iterable[str] | None = IMAGE_EXTENSIONS) -> Iterator[Path]:
    """Files as given, then the files found (recursively, sorted, hidden ones skipped) in any
    folders given.

    Parameters
    ----------
    paths : iterable of path-like
        A file given by name is always yielded (whatever its extension, and even when it does
        not exist: the job then reports it); folders are walked.
    extensions : iterable of str or None
        Lower-case suffixes kept when walking folders (default: the image formats
        :func:`imgfake.load_image` decodes); None keeps every file.

    Folders that cannot be listed are yielded as themselves, so the job reports them.
    """
    keep = None if extensions is None else {e.lower() for e in extensions}
    for item in map(Path, paths):
        try:
            is_dir = item.is_dir()
        except (OSError, ValueError):  # an unusable name: the job reports it
            is_dir = False
        if not is_dir:
            yield item
            continue
        unreadable: list[Path] = []
        found: list[Path] = []
        for dirpath, dirnames, filenames in os.walk(item, onerror=lambda e: unreadable.append(Path(e.filename))):
            dirnames[:] = sorted(d for d in dirnames if not _hidden(d))
            found.extend(Path(dirpath) / n for n in filenames
                         if not n.startswith(".") and (keep is None or Path(n).suffix.lower() in keep))
        yield from sorted(found)
        yield from unreadable


def iter_images(paths: Iterable[str | os.PathLike]) -> Iterator[Path]:
    """:func:`walk_files` with the image extensions: the files ``imgfake`` commands process."""
    return walk_files(paths, extensions=IMAGE_EXTENSIONS)


def map_files(
    job: Callable[[str], T],
    paths: Iterable[str | os.PathLike],
    *,
    workers: int | None = None,
    executor: str = "thread",
    window: int | None = None,
    scheduler: str | None = None,
    batch: int = 1,
    dashboard: str | None = None,
    announce: Callable[[str], None] | None = None,
    ordered: bool = True,
) -> Iterator[tuple[str, T | FileError]]:
    """Run ``job(path)`` for every path on a pool and yield ``(path, result or FileError)`` in
    input order.

    Parameters
    ----------
    job : callable
        Takes the path as a string. With ``executor="process"`` it must be picklable (a
        module-level function or a ``functools.partial`` of one).
    paths : iterable of path-like
    workers : int, optional
        Default :func:`default_workers`.
    executor : {"thread", "process", "dask", "inline"}
        Threads (Pillow and the codecs release the GIL), processes (true parallelism for NumPy
        work; forked where the platform can, so callers need no ``__main__`` guard), a Dask
        cluster (``scheduler``'s, or a ``distributed.LocalCluster`` of `workers` processes on
        127.0.0.1 started and stopped here; a task whose worker dies is run again elsewhere)
        or the calling thread.
    window : int, optional
        Files in flight at once (default ``4 × workers``): memory stays bounded on any number
        of files. On Dask, at least two tasks per thread of the cluster are in flight, however
        large it is.

    scheduler : str, optional
        With ``executor="dask"``: the address of a running Dask scheduler
        (``tcp://host:8786``); None starts a local cluster.
    batch : int, default 1
        With ``executor="dask"``: files per task. A task costs the scheduler about a
        millisecond, nothing next to a photo's analysis, but a million-file scan is a million
        tasks; batches of 16 make it 62,500. A batch whose workers keep dying is tried again
        one file per task, so only the file that kills them fails (each file is yielded once).
    dashboard : str, optional
        With a local Dask cluster: serve Dask's own dashboard at this address
        (``"127.0.0.1:8787"``; ``":0"`` picks a free port). A running scheduler serves its own.
    ordered : bool, default True
        With ``executor="dask"``: False yields results as they finish, so one slow file (a
        100-megapixel scan among phone photos) never holds back the files after it.
    announce : callable, optional
        With ``executor="dask"``: called once with a line for the person running the job (where
        the cluster is, and its dashboard's address when there is one).

    On Dask, each worker task runs its numerical libraries on one thread (see
    :data:`ONE_CORE_ENV`): a worker process runs as many tasks at once as it has threads, so
    letting TensorFlow and OpenCV each start a pool per task would oversubscribe the cores.

    A job's exception, a worker process that died (e.g. killed for memory) or a broken pool
    fails only that file.
    """
    if executor not in ("thread", "process", "dask", "inline"):
        raise ValueError(f"executor must be 'thread', 'process', 'dask' or 'inline', got {executor!r}")
    workers = workers or default_workers()
    window = max(1, window or 4 * workers)
    names = (str(p) for p in paths)
    if executor == "dask":
        yield from _map_dask(job, names, workers=workers, window=window, scheduler=scheduler, batch=batch,
                             dashboard=dashboard, announce=announce, ordered=ordered)
        return
    if executor == "inline" or workers == 1 and executor == "thread":
        for name in names:
            yield name, _guarded(job, name)
        return
    if executor == "process":
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
    else:
        pool = ThreadPoolExecutor(workers, thread_name_prefix="imgfake-scan")
    queue: list[tuple[str, Future]] = []
    try:
        for name in names:
            queue.append((name, _submit(pool, job, name)))
            if len(queue) >= window:
                first, future = queue.pop(0)
                yield first, _outcome(future, first)
        for name, future in queue:
            yield name, _outcome(future, name)
        pool.shutdown(wait=True)
    finally:  # interrupted, or the caller stopped early: drop what has not started
        pool.shutdown(wait=False, cancel_futures=True)


#: Environment for Dask workers: numerical libraries on one thread per task (TensorFlow,
#: OpenCV, BLAS/OpenMP read these when they start). Measured here on 600×600 JPEGs, an
#: unpinned scan task keeps 1.3 cores busy for 0.28 s, a pinned one 1.0 core for 0.37 s: the
#: same CPU time, but two unpinned workers on two cores fight over it.
ONE_CORE_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
                "TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1", "OPENCV_FOR_THREADS_NUM": "1"}
#: glibc ``mallopt`` settings for Dask workers: 32 MiB mmap threshold, 64 MiB trim threshold.
#: Dask's nanny starts workers with ``MALLOC_TRIM_THRESHOLD_=65536`` (memory goes back to the
#: system at once), which also fixes glibc's mmap threshold at 128 KiB: every image-sized array
#: is then mapped and unmapped afresh, page faults and all. Measured on a 600×600 scan task:
#: 0.47 s with Dask's setting, 0.33 s without it, 0.31 s with these.
MALLOC_SETTINGS = {-3: 32 << 20, -1: 64 << 20}  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD


def _worker_setup(dask_worker=None) -> None:
    """Run on every Dask worker, those that join later too: :data:`ONE_CORE_ENV` and, on
    glibc, :data:`MALLOC_SETTINGS`."""
    import platform
    import sys

    os.environ.update(ONE_CORE_ENV)
    if "cv2" in sys.modules:  # already started: tell it directly
        sys.modules["cv2"].setNumThreads(1)
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        import ctypes

        try:
            libc = ctypes.CDLL("libc.so.6")
        except OSError:
            return
        for option, value in MALLOC_SETTINGS.items():
            libc.mallopt(option, value)


def _map_dask(job, names: Iterator[str], *, workers: int, window: int, scheduler: str | None, batch: int = 1,
              dashboard: str | None = None, announce: Callable[[str], None] | None = None, ordered: bool = True):
    """:func:`map_files` on Dask: `batch` files per task, enough tasks in flight to keep the
    cluster busy (:class:`_InFlight`), results in input order or as they finish. A batch whose
    worker died is tried again one file per task, so only the file that kills workers fails."""
    from collections import deque
    from itertools import islice

    from distributed import Client, LocalCluster

    if batch < 1:
        raise ValueError(f"batch must be at least 1 file per task, got {batch}")
    cluster = client = None
    try:
        if scheduler is None:
            # without a dashboard the scheduler still serves a small HTTP endpoint: on a free
            # port, so a second scan (or a notebook's) never warns that 8787 is taken
            quiet = {} if dashboard else {"scheduler_kwargs": {"dashboard": False, "dashboard_address": ":0"}}
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address=dashboard, **quiet)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout=30)
        client.register_plugin(_setup_plugin(), name="imgfake-worker-setup")  # before any task runs
        if announce is not None:
            where = (f"a local Dask cluster of {workers} worker process{'es' if workers != 1 else ''}"
                     if cluster is not None else f"the Dask cluster at {scheduler} "
                     f"({len(client.scheduler_info(n_workers=-1).get('workers', {}))} workers now)")
            link = _dashboard_link(client)
            announce(f"running on {where}" + (f"; watch it at {link}" if link else ""))
    except BaseException as exc:
        _stop(client, cluster)
        if isinstance(exc, OSError):  # no scheduler there, or none could start
            raise ValueError(f"cannot reach the Dask scheduler {scheduler or '(local)'}: {exc}") from exc
        raise
    in_flight = _InFlight(client, window, batch)

    def submit(chunk: list[str]):
        return client.submit(_guarded_batch, job, chunk, pure=False)

    def outcomes(chunk: list[str], future):
        """(path, result) of each file of a finished task."""
        try:
            results = future.result()
        except Exception as exc:  # the task's workers kept dying (distributed's KilledWorker), or it was lost
            if len(chunk) > 1:  # one file may have killed them: each on its own
                for name in chunk:
                    yield from outcomes([name], submit([name]))
                return
            results = [FileError(chunk[0], f"its worker stopped while analysing it: {error_message(exc)}")]
        yield from zip(chunk, results)

    if ordered:
        queue: deque = deque()
        try:
            while chunk := list(islice(names, batch)):
                queue.append((chunk, submit(chunk)))
                if len(queue) >= in_flight.tasks():
                    yield from outcomes(*queue.popleft())
            while queue:
                yield from outcomes(*queue.popleft())
        finally:  # interrupted, or the caller stopped early: drop what has not run
            _stop(client, cluster, [f for _, f in queue])
        return
    from distributed import as_completed

    running: dict = {}  # future key -> (files, future)
    finished = as_completed(loop=client.loop)

    def submit_next() -> bool:
        chunk = list(islice(names, batch))
        if chunk:
            future = submit(chunk)
            running[future.key] = (chunk, future)
            finished.add(future)
        return bool(chunk)

    try:
        while len(running) < in_flight.tasks() and submit_next():
            pass
        for future in finished:  # as they finish; one submitted for each that did
            chunk, _ = running.pop(future.key)
            yield from outcomes(chunk, future)
            while len(running) < in_flight.tasks() and submit_next():
                pass
    finally:
        _stop(client, cluster, [f for _, f in running.values()])


def _setup_plugin():
    """:func:`_worker_setup` as a named, idempotent worker plugin: every worker (also one that
    joins later) runs it once, however many scans use the cluster."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class ImgfakeWorkerSetup(WorkerPlugin):  # pickled by value (cloudpickle): defined here, lazily
        idempotent = True

        def setup(self, worker):
            _worker_setup()

    return ImgfakeWorkerSetup()


class _InFlight:
    """How many tasks to keep submitted: `window` files' worth, and at least two per thread of
    the cluster (asked again every 64 calls: workers join and leave), so no worker waits for
    the client however large the cluster is."""

    def __init__(self, client, window: int, batch: int) -> None:
        self.client, self.files, self.batch, self.calls, self.slots = client, window, batch, 0, 1

    def tasks(self) -> int:
        if self.calls % 64 == 0:
            try:
                self.slots = max(1, sum(self.client.nthreads().values()))
            except Exception:  # a scheduler busy or gone: keep the last count
                pass
        self.calls += 1
        return max(1, self.files // self.batch, 2 * self.slots)


def _stop(client, cluster, pending: list | None = None) -> None:
    """Cancel what has not run (one message), then close the client and the local cluster,
    each even when the step before failed."""
    try:
        if client is not None and pending:
            client.cancel(pending)
    except Exception:  # a scheduler already gone: nothing left to cancel
        pass
    finally:
        try:
            if client is not None:
                client.close()
        finally:
            if cluster is not None:
                _close_quietly(cluster)


def _close_quietly(cluster) -> None:
    """Stop a local cluster we started. Its nanny warns when a worker (TensorFlow's threads
    still winding down) takes over 4 s to exit and is then killed: expected here, not news."""
    import logging

    nanny = logging.getLogger("distributed.nanny")
    level = nanny.level
    nanny.setLevel(logging.ERROR)
    try:
        cluster.close()
    finally:
        nanny.setLevel(level)


def _dashboard_link(client) -> str | None:
    """The address of Dask's dashboard, when the scheduler serves one (it needs bokeh, and a
    local cluster serves it only when asked): the page is fetched to find out."""
    import urllib.request

    try:
        link = client.dashboard_link
        with urllib.request.urlopen(link, timeout=30) as page:  # bokeh's first page is slow
            return link if page.status == 200 else None
    except Exception:  # no dashboard is no reason to stop a scan
        return None


def _guarded_batch(job, chunk: list[str]) -> list:
    return [_guarded(job, name) for name in chunk]


def _guarded(job: Callable[[str], Any], name: str):
    try:
        return job(name)
    except Exception as exc:
        return FileError(name, error_message(exc))


def _submit(pool, job, name: str) -> Future:
    try:
        return pool.submit(job, name)
    except RuntimeError:  # a broken process pool: do this file here instead
        done: Future = Future()
        done.set_result(_guarded(job, name))
        return done


def _outcome(future: Future, name: str):
    try:
        return future.result()
    except Exception as exc:  # the job raised, or its worker died
        return FileError(name, error_message(exc))
