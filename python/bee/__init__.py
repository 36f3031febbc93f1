"""bee: a key/value store in a signed append-only log, byte-compatible with
hyperbee 2 (https://github.com/holepunchto/hyperbee), from Python.

A binding with ctypes (standard library only) over the C API of libbee.so
(btree/bee_c.h). Keys and values are bytes; str is accepted and encoded as
UTF-8. Errors raise a subclass of bee.Error carrying the library's code and
message.

    import bee
    with bee.open("/tmp/db") as db:          # created when missing
        db[b"hello"] = b"world"              # one signed block
        with db.batch() as b:                # one signature for all
            b["a"] = "1"
            del b["hello"]
        for key, value in db.range(gte=b"a", lt=b"z"):
            print(key, value)
        old = db.checkout(2)                 # any past version
        print(old[b"hello"])
        for left, right in db.diff(2, db.version):
            print(left, right)
        for change in db.history(reverse=True, limit=5):
            print(change.type, change.seq, change.key)
        db[b"flag"] = None                   # a put without a value
        users = db.sub("users")              # hyperbee's sub(): "users\0"
        users["alice"] = "1"
        with db.watch(gte=b"a", lt=b"b") as w:
            event = w.next(timeout=1.0)      # None when nothing changed

The library is found at $BEE_LIBRARY, else where `cmake --install` put it
(bee/_paths.py, written by the install), else as libbee.so next to this
package, else by the system's loader (ctypes.util.find_library("bee")).

Thread safety: as the C API's: one writer at a time, any number of
readers; do not share one iterator or watch between threads (but
Watch.cancel may be called from any thread).
"""

import collections
import ctypes
import ctypes.util
import math
import os
import time

__all__ = [
    "open", "Bee", "Snapshot", "Batch", "Sub", "Watch", "Entry", "Change",
    "WatchEvent", "Error",
    "InvalidArgumentError", "IOError", "CorruptionError",
    "VerificationFailedError", "NotSupportedError", "UnavailableError",
    "NotFoundError", "BusyError", "library_version",
]


class Error(Exception):
    """A failure reported by the library: `code` (an int, bee_c.h's BEE_*)
    and `message` ("<function>: <Code>: <what>")."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class InvalidArgumentError(Error):
    """A malformed request, or a handle used wrongly (closed, finished)."""


class IOError(Error):  # noqa: A001 (the library's own name for the code)
    """The operating system refused a file operation."""


class CorruptionError(Error):
    """Stored bytes are damaged."""


class VerificationFailedError(Error):
    """A hash or signature does not match."""


class NotSupportedError(Error):
    """A valid request this build cannot serve."""


class UnavailableError(Error):
    """A block this replica does not hold."""


class NotFoundError(Error):
    """E.g. no store in that directory."""


class BusyError(Error):
    """E.g. a batch is open, or another process writes the store."""


_ERRORS = {
    1: InvalidArgumentError, 2: IOError, 3: CorruptionError,
    4: VerificationFailedError, 5: NotSupportedError, 6: UnavailableError,
    7: NotFoundError, 8: BusyError,
}

Entry = collections.namedtuple("Entry", "seq key value")
Entry.__doc__ = """A key's entry: the block (seq) that wrote it, its key
and its value (bytes, or None for an entry written without a value)."""

Change = collections.namedtuple("Change", "type seq key value")
Change.__doc__ = """One put or delete of the history: type is "put" or
"del"; value is None for a delete (and for a put without a value)."""

WatchEvent = collections.namedtuple(
    "WatchEvent", "version previous_version truncated changes")
WatchEvent.__doc__ = """A version whose writes changed a watched range:
`changes` lists (new, old) per changed key, in key order, each an Entry (at
`version`, and at `previous_version`) or None where the key is absent;
`truncated` is True when the store was truncated since previous_version
(then `changes` is empty)."""

_CREATE_IF_MISSING = 1
_READ_ONLY = 2


class _Entry(ctypes.Structure):
    _fields_ = [("seq", ctypes.c_uint64), ("key", ctypes.c_void_p),
                ("key_len", ctypes.c_size_t), ("value", ctypes.c_void_p),
                ("value_len", ctypes.c_size_t)]

    def to_entry(self):
        key = ctypes.string_at(self.key, self.key_len) if self.key_len else b""
        if self.value is None:
            value = None
        else:
            value = ctypes.string_at(self.value, self.value_len)
        return Entry(self.seq, key, value)


class _DiffEntry(ctypes.Structure):
    _fields_ = [("has_left", ctypes.c_int), ("left", _Entry),
                ("has_right", ctypes.c_int), ("right", _Entry)]


class _HistoryEntry(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("entry", _Entry)]


class _WatchEvent(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint64),
                ("previous_version", ctypes.c_uint64),
                ("truncated", ctypes.c_int), ("changes", ctypes.c_size_t)]


def _installed_library():
    """The libbee.so `cmake --install` put beside this package, as its
    generated _paths.py names it; None when not installed so."""
    try:
        from . import _paths
    except ImportError:
        return None
    return _paths.library()


def _find_library():
    path = os.environ.get("BEE_LIBRARY")
    if path:
        return path
    path = _installed_library()
    if path and os.path.exists(path):
        return path
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                        "libbee.so")
    if os.path.exists(here):
        return here
    return ctypes.util.find_library("bee")


def _load():
    path = _find_library()
    if not path:
        raise ImportError(
            "bee: libbee.so not found: set BEE_LIBRARY to its path, install "
            "bee with cmake --install, or put it next to the bee package")
    try:
        lib = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError("bee: cannot load %s: %s" % (path, e)) from e
    P = ctypes.c_void_p
    PP = ctypes.POINTER(ctypes.c_void_p)
    B = ctypes.c_char_p
    N = ctypes.c_size_t
    I = ctypes.c_int
    U = ctypes.c_uint64
    S = ctypes.c_int64
    IP = ctypes.POINTER(ctypes.c_int)
    NP = ctypes.POINTER(ctypes.c_size_t)
    UP = ctypes.POINTER(ctypes.c_uint64)
    signatures = {
        "bee_free": (None, [P]),
        "bee_library_version": (B, []),
        "bee_open": (I, [B, I, PP, PP]),
        "bee_close": (I, [P, PP]),
        "bee_destroy": (None, [P]),
        "bee_version": (I, [P, UP, PP]),
        "bee_length": (I, [P, UP, PP]),
        "bee_get": (I, [P, B, N, PP, NP, IP, PP]),
        "bee_put": (I, [P, B, N, B, N, PP]),
        "bee_put_null": (I, [P, B, N, PP]),
        "bee_del": (I, [P, B, N, PP]),
        "bee_batch_create": (I, [P, PP, PP]),
        "bee_batch_put": (I, [P, B, N, B, N, PP]),
        "bee_batch_put_null": (I, [P, B, N, PP]),
        "bee_batch_del": (I, [P, B, N, PP]),
        "bee_batch_get": (I, [P, B, N, PP, NP, IP, PP]),
        "bee_batch_flush": (I, [P, PP]),
        "bee_batch_destroy": (None, [P]),
        "bee_snapshot_create": (I, [P, PP, PP]),
        "bee_checkout": (I, [P, U, PP, PP]),
        "bee_snapshot_version": (I, [P, UP, PP]),
        "bee_snapshot_get": (I, [P, B, N, PP, NP, IP, PP]),
        "bee_snapshot_destroy": (None, [P]),
        "bee_range_options_create": (P, []),
        "bee_range_options_destroy": (None, [P]),
        "bee_range_options_set_gt": (I, [P, B, N, PP]),
        "bee_range_options_set_gte": (I, [P, B, N, PP]),
        "bee_range_options_set_lt": (I, [P, B, N, PP]),
        "bee_range_options_set_lte": (I, [P, B, N, PP]),
        "bee_range_options_set_reverse": (I, [P, I, PP]),
        "bee_range_options_set_limit": (I, [P, S, PP]),
        "bee_iterator_create": (I, [P, P, PP, PP]),
        "bee_iterator_next": (I, [P, ctypes.POINTER(_Entry), IP, PP]),
        "bee_iterator_destroy": (None, [P]),
        "bee_diff_create": (I, [P, P, P, PP, PP]),
        "bee_diff_next": (I, [P, ctypes.POINTER(_DiffEntry), IP, PP]),
        "bee_diff_destroy": (None, [P]),
        "bee_history_options_create": (P, []),
        "bee_history_options_destroy": (None, [P]),
        "bee_history_options_set_gt": (I, [P, S, PP]),
        "bee_history_options_set_gte": (I, [P, S, PP]),
        "bee_history_options_set_lt": (I, [P, S, PP]),
        "bee_history_options_set_lte": (I, [P, S, PP]),
        "bee_history_options_set_reverse": (I, [P, I, PP]),
        "bee_history_options_set_limit": (I, [P, S, PP]),
        "bee_history_create": (I, [P, P, PP, PP]),
        "bee_history_next": (I, [P, ctypes.POINTER(_HistoryEntry), IP, PP]),
        "bee_history_destroy": (None, [P]),
        "bee_sub_create": (I, [P, B, N, B, N, PP, PP]),
        "bee_sub_create_sub": (I, [P, B, N, B, N, PP, PP]),
        "bee_sub_prefix": (I, [P, PP, NP, PP]),
        "bee_sub_get": (I, [P, B, N, PP, NP, IP, PP]),
        "bee_sub_put": (I, [P, B, N, B, N, PP]),
        "bee_sub_put_null": (I, [P, B, N, PP]),
        "bee_sub_del": (I, [P, B, N, PP]),
        "bee_sub_iterator_create": (I, [P, P, P, PP, PP]),
        "bee_sub_destroy": (None, [P]),
        "bee_wait_version": (I, [P, U, S, UP, PP]),
        "bee_refresh": (I, [P, IP, PP]),
        "bee_watch_create": (I, [P, P, PP, PP]),
        "bee_watch_next": (I, [P, S, ctypes.POINTER(_WatchEvent), IP, PP]),
        "bee_watch_change": (I, [P, N, ctypes.POINTER(_DiffEntry), PP]),
        "bee_watch_cancel": (None, [P]),
        "bee_watch_destroy": (None, [P]),
    }
    for name, (restype, argtypes) in signatures.items():
        fn = getattr(lib, name)
        fn.restype = restype
        fn.argtypes = argtypes
    return lib


_lib = _load()


def library_version():
    """The version of the loaded libbee.so, e.g. "0.7.0"."""
    return _lib.bee_library_version().decode()


def _call(fn, *args):
    """Calls a C API function taking a trailing errptr; raises on failure."""
    err = ctypes.c_void_p()
    code = fn(*args, ctypes.byref(err))
    if code != 0:
        message = ctypes.string_at(err.value).decode("utf-8", "replace")
        _lib.bee_free(err)
        raise _ERRORS.get(code, Error)(code, message)


def _bytes(value, what):
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError("bee: %s must be bytes or str, not %s"
                    % (what, type(value).__name__))


def _write(put, put_null, handle, key, value):
    """A put through `put`, or through `put_null` when value is None."""
    k = _bytes(key, "key")
    if value is None:
        _call(put_null, handle, k, len(k))
    else:
        v = _bytes(value, "value")
        _call(put, handle, k, len(k), v, len(v))


def _deadline(timeout):
    """The monotonic time a wait of `timeout` seconds ends (None: never)."""
    if timeout is None:
        return None
    if timeout < 0:
        raise ValueError("bee: timeout must not be negative, not %r"
                         % (timeout,))
    return time.monotonic() + timeout


def _milliseconds(deadline):
    """The time left until `deadline` (None: no limit) as the C API's
    milliseconds, at most an hour a call (callers loop for longer)."""
    if deadline is None:
        return 3600 * 1000
    left = max(0.0, deadline - time.monotonic())
    return min(math.ceil(left * 1000), 3600 * 1000)


def _past(deadline):
    return deadline is not None and time.monotonic() >= deadline


def _read(fn, handle, key):
    """A *_get call: (found, value) with value bytes or None."""
    k = _bytes(key, "key")
    value = ctypes.c_void_p()
    length = ctypes.c_size_t()
    found = ctypes.c_int()
    _call(fn, handle, k, len(k), ctypes.byref(value), ctypes.byref(length),
          ctypes.byref(found))
    if not found.value:
        return False, None
    if value.value is None:
        return True, None
    try:
        return True, ctypes.string_at(value.value, length.value)
    finally:
        _lib.bee_free(value)


def _range_options(gt, gte, lt, lte, reverse, limit):
    options = _lib.bee_range_options_create()
    try:
        for name, bound in (("gt", gt), ("gte", gte), ("lt", lt),
                            ("lte", lte)):
            if bound is not None:
                b = _bytes(bound, name)
                _call(getattr(_lib, "bee_range_options_set_" + name), options,
                      b, len(b))
        _call(_lib.bee_range_options_set_reverse, options, 1 if reverse else 0)
        _call(_lib.bee_range_options_set_limit, options,
              -1 if limit is None else int(limit))
    except BaseException:
        _lib.bee_range_options_destroy(options)
        raise
    return options


class _Handle:
    """Owns one C handle and frees it with `destroy` exactly once."""

    _closed_message = "closed"

    def __init__(self, handle, destroy):
        self._handle = handle
        self._destroy = destroy

    @property
    def _live(self):
        """The handle; InvalidArgumentError once it was freed."""
        if self._handle is None:
            raise InvalidArgumentError(1, "bee: " + self._closed_message)
        return self._handle

    def _free(self):
        if self._handle is not None:
            self._destroy(self._handle)
            self._handle = None

    def __del__(self):
        self._free()


def _iterate(create, next_fn, destroy, struct, convert, args):
    """Makes a C iterator now (create(*args, &handle): it copies what it
    needs from args) and returns a generator running it to its end,
    yielding convert(struct) per entry."""
    handle = ctypes.c_void_p()
    _call(create, *args, ctypes.byref(handle))
    return _drain(_Handle(handle, destroy), next_fn, struct, convert)


def _drain(owner, next_fn, struct, convert):
    item = struct()
    has = ctypes.c_int()
    try:
        while True:
            _call(next_fn, owner._handle, ctypes.byref(item),
                  ctypes.byref(has))
            if not has.value:
                return
            yield convert(item)
    finally:
        owner._free()


def _change(h):
    e = h.entry.to_entry()
    return Change("del" if h.type == 1 else "put", e.seq, e.key, e.value)


def _pair(d):
    return (d.left.to_entry() if d.has_left else None,
            d.right.to_entry() if d.has_right else None)


def _history_options(gt, gte, lt, lte, reverse, limit):
    options = _lib.bee_history_options_create()
    try:
        for name, bound in (("gt", gt), ("gte", gte), ("lt", lt),
                            ("lte", lte)):
            if bound is not None:
                _call(getattr(_lib, "bee_history_options_set_" + name),
                      options, int(bound))
        _call(_lib.bee_history_options_set_reverse, options,
              1 if reverse else 0)
        _call(_lib.bee_history_options_set_limit, options,
              -1 if limit is None else int(limit))
    except BaseException:
        _lib.bee_history_options_destroy(options)
        raise
    return options


class _Lookup:
    """Mapping reads over `_get(key) -> (found, value)` and `range()`:
    shared by a store, a snapshot and a sub."""

    def get(self, key, default=None):
        """The value of `key` (None for an entry without a value), or
        `default` when the key is absent."""
        found, value = self._get(key)
        return value if found else default

    def __getitem__(self, key):
        found, value = self._get(key)
        if not found:
            raise KeyError(key)
        return value

    def __contains__(self, key):
        return self._get(key)[0]

    def __iter__(self):
        """The keys, in order."""
        return (key for key, _ in self.range())


class _Writable:
    """Mapping writes over `put` and `delete`: shared by a store and a
    sub (a batch's `del` does not look the key up first)."""

    def __setitem__(self, key, value):
        self.put(key, value)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        self.delete(key)


class _Reader(_Lookup):
    """Reads shared by a store (its current version) and a snapshot."""

    def _snapshot(self):
        raise NotImplementedError

    def range(self, gt=None, gte=None, lt=None, lte=None, reverse=False,
              limit=None):
        """Yields (key, value) in key order within the bounds (gt wins over
        gte and lt over lte), descending with reverse, at most `limit`."""
        return (e[1:] for e in self.entries(gt, gte, lt, lte, reverse, limit))

    def entries(self, gt=None, gte=None, lt=None, lte=None, reverse=False,
                limit=None):
        """As range, yielding Entry(seq, key, value)."""
        snap = self._snapshot()
        options = _range_options(gt, gte, lt, lte, reverse, limit)
        try:
            return _iterate(_lib.bee_iterator_create, _lib.bee_iterator_next,
                            _lib.bee_iterator_destroy, _Entry,
                            _Entry.to_entry, (snap._live, options))
        finally:
            _lib.bee_range_options_destroy(options)

    def history(self, gt=None, gte=None, lt=None, lte=None, reverse=False,
                limit=None):
        """Yields Change(type, seq, key, value) for every put and delete up
        to this version, with hyperbee's seq bounds (a negative bound counts
        back from the version)."""
        snap = self._snapshot()
        options = _history_options(gt, gte, lt, lte, reverse, limit)
        try:
            return _iterate(_lib.bee_history_create, _lib.bee_history_next,
                            _lib.bee_history_destroy, _HistoryEntry, _change,
                            (snap._live, options))
        finally:
            _lib.bee_history_options_destroy(options)


class Snapshot(_Reader, _Handle):
    """One version of the store, unaffected by later writes."""

    _closed_message = "the snapshot is freed"

    def __init__(self, handle):
        _Handle.__init__(self, handle, _lib.bee_snapshot_destroy)

    def _snapshot(self):
        return self

    def _get(self, key):
        return _read(_lib.bee_snapshot_get, self._live, key)

    @property
    def version(self):
        v = ctypes.c_uint64()
        _call(_lib.bee_snapshot_version, self._live, ctypes.byref(v))
        return v.value


class Batch(_Handle):
    """Writes appended together, with one signature, by flush(). As a
    context manager: flushed at the end of the block, discarded if it
    raises."""

    _closed_message = "the batch is closed (discarded)"

    def __init__(self, handle):
        _Handle.__init__(self, handle, _lib.bee_batch_destroy)

    def put(self, key, value):
        """As Bee.put, pending until flush."""
        _write(_lib.bee_batch_put, _lib.bee_batch_put_null, self._live, key,
               value)

    def delete(self, key):
        k = _bytes(key, "key")
        _call(_lib.bee_batch_del, self._live, k, len(k))

    def get(self, key, default=None):
        """Reads through the batch: its pending writes are seen."""
        found, value = _read(_lib.bee_batch_get, self._live, key)
        return value if found else default

    def __setitem__(self, key, value):
        self.put(key, value)

    def __delitem__(self, key):
        self.delete(key)

    def flush(self):
        """Appends the pending writes; the batch is then closed."""
        _call(_lib.bee_batch_flush, self._live)

    def discard(self):
        self._free()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # Flushed, the C batch stays (closed) until garbage collection, so
        # a later call says "the batch is closed"; on an error it is freed.
        if exc_type is None:
            self.flush()
        else:
            self._free()
        return False


class Bee(_Reader, _Writable, _Handle):
    """An open store; use bee.open(). A context manager: closed at the end
    of the block."""

    _closed_message = "the store is closed"

    def __init__(self, handle):
        _Handle.__init__(self, handle, _lib.bee_destroy)

    def _snapshot(self):
        return self.snapshot()

    def _get(self, key):
        return _read(_lib.bee_get, self._live, key)

    def put(self, key, value):
        """Appends one block setting key to value; value None is
        hyperbee's put of null: the key exists, without a value (get
        returns None, `key in db` is True)."""
        _write(_lib.bee_put, _lib.bee_put_null, self._live, key, value)

    def delete(self, key):
        """Appends one block deleting key; nothing when it is absent."""
        k = _bytes(key, "key")
        _call(_lib.bee_del, self._live, k, len(k))

    def batch(self):
        """A new Batch (BusyError while another is open)."""
        handle = ctypes.c_void_p()
        _call(_lib.bee_batch_create, self._live, ctypes.byref(handle))
        return Batch(handle)

    def snapshot(self):
        """The current version as a Snapshot."""
        handle = ctypes.c_void_p()
        _call(_lib.bee_snapshot_create, self._live, ctypes.byref(handle))
        return Snapshot(handle)

    def checkout(self, version):
        """A past version (1 <= version <= self.version) as a Snapshot."""
        if version < 0:
            raise InvalidArgumentError(
                1, "checkout: version %d is negative" % version)
        handle = ctypes.c_void_p()
        _call(_lib.bee_checkout, self._live, int(version),
              ctypes.byref(handle))
        return Snapshot(handle)

    def diff(self, a, b=None, gt=None, gte=None, lt=None, lte=None,
             limit=None):
        """Yields (left, right) for each key whose entry differs between
        versions a and b (default: the current one), in key order: each an
        Entry, or None where the key is absent."""
        left = self.checkout(a)
        right = self.snapshot() if b is None else self.checkout(b)
        options = _range_options(gt, gte, lt, lte, False, limit)
        try:
            return _iterate(_lib.bee_diff_create, _lib.bee_diff_next,
                            _lib.bee_diff_destroy, _DiffEntry, _pair,
                            (left._live, right._live, options))
        finally:
            _lib.bee_range_options_destroy(options)

    def sub(self, name, sep=None):
        """The sub-database `name`, laid out as hyperbee's sub(): its keys
        are stored under name + sep (sep defaults to the byte 0x00)."""
        return Sub._make(_lib.bee_sub_create, self._live, self, name, sep)

    def wait(self, after=None, timeout=None):
        """Waits until the version is past `after` (default: the current
        one) or `timeout` seconds pass (None: no limit), and returns the
        version then. A read-only store refreshes from its writer (another
        process) while it waits."""
        deadline = _deadline(timeout)
        if after is None:
            after = self.version
        v = ctypes.c_uint64()
        while True:
            _call(_lib.bee_wait_version, self._live, int(after),
                  _milliseconds(deadline), ctypes.byref(v))
            if v.value > after or _past(deadline):
                return v.value

    def refresh(self):
        """For a store opened read_only: reads the newest version its
        writer signed; returns whether the version changed."""
        changed = ctypes.c_int()
        _call(_lib.bee_refresh, self._live, ctypes.byref(changed))
        return bool(changed.value)

    def watch(self, gt=None, gte=None, lt=None, lte=None):
        """A Watch of the keys within the bounds, from the current version
        on, as hyperbee's watch()."""
        options = _range_options(gt, gte, lt, lte, False, None)
        try:
            handle = ctypes.c_void_p()
            _call(_lib.bee_watch_create, self._live, options,
                  ctypes.byref(handle))
        finally:
            _lib.bee_range_options_destroy(options)
        return Watch(handle, self)

    @property
    def version(self):
        """max(1, length), as hyperbee's."""
        v = ctypes.c_uint64()
        _call(_lib.bee_version, self._live, ctypes.byref(v))
        return v.value

    @property
    def length(self):
        """The number of blocks in the log."""
        n = ctypes.c_uint64()
        _call(_lib.bee_length, self._live, ctypes.byref(n))
        return n.value

    def close(self):
        """Syncs and closes the store; later calls raise
        InvalidArgumentError. BusyError while a batch is open."""
        if self._handle is not None:
            _call(_lib.bee_close, self._handle)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        try:
            self.close()
        finally:
            self._free()
        return False


class Sub(_Lookup, _Writable, _Handle):
    """A sub-database (Bee.sub, Sub.sub): the keys under one prefix, read
    and written with keys relative to it, as hyperbee's sub(). It keeps its
    Bee open (referenced); once the Bee is closed, its calls raise
    InvalidArgumentError."""

    _closed_message = "the sub is freed"

    def __init__(self, handle, db):
        _Handle.__init__(self, handle, _lib.bee_sub_destroy)
        self._db = db

    @classmethod
    def _make(cls, create, parent, db, name, sep):
        n = _bytes(name, "name")
        s = None if sep is None else _bytes(sep, "sep")
        handle = ctypes.c_void_p()
        _call(create, parent, n, len(n), s, 0 if s is None else len(s),
              ctypes.byref(handle))
        return cls(handle, db)

    def sub(self, name, sep=None):
        """A nested sub-database (sep defaults to 0x00, not to this sub's
        separator, as in hyperbee)."""
        return Sub._make(_lib.bee_sub_create_sub, self._live, self._db, name,
                         sep)

    @property
    def prefix(self):
        """The bytes every key of this sub is stored under."""
        p = ctypes.c_void_p()
        n = ctypes.c_size_t()
        _call(_lib.bee_sub_prefix, self._live, ctypes.byref(p),
              ctypes.byref(n))
        return ctypes.string_at(p.value, n.value) if n.value else b""

    def _get(self, key):
        return _read(_lib.bee_sub_get, self._live, key)

    def put(self, key, value):
        """As Bee.put, for a key of this sub (value None: no value)."""
        _write(_lib.bee_sub_put, _lib.bee_sub_put_null, self._live, key,
               value)

    def delete(self, key):
        """As Bee.delete, for a key of this sub."""
        k = _bytes(key, "key")
        _call(_lib.bee_sub_del, self._live, k, len(k))

    def range(self, gt=None, gte=None, lt=None, lte=None, reverse=False,
              limit=None):
        """As Bee.range, over this sub's keys (bounds and keys relative to
        it). As in hyperbee, a sub's range includes its nested subs' keys,
        and not the empty key."""
        return (e[1:] for e in self.entries(gt, gte, lt, lte, reverse, limit))

    def entries(self, gt=None, gte=None, lt=None, lte=None, reverse=False,
                limit=None):
        """As range, yielding Entry(seq, key, value)."""
        options = _range_options(gt, gte, lt, lte, reverse, limit)
        try:
            return _iterate(_lib.bee_sub_iterator_create,
                            _lib.bee_iterator_next, _lib.bee_iterator_destroy,
                            _Entry, _Entry.to_entry,
                            (self._live, None, options))
        finally:
            _lib.bee_range_options_destroy(options)


class Watch(_Handle):
    """Yields a WatchEvent for each new version whose writes change the
    watched keys (Bee.watch): `next(timeout)`, or iterate (until cancel()).
    A context manager: freed at the end of the block. A read-only store's
    watch follows its writer (another process)."""

    _closed_message = "the watch is closed"

    def __init__(self, handle, db):
        _Handle.__init__(self, handle, _lib.bee_watch_destroy)
        self._db = db
        self._cancelled = False

    def next(self, timeout=None):
        """The next WatchEvent, or None when `timeout` seconds (None: no
        limit) pass first or cancel() was called."""
        deadline = _deadline(timeout)
        event = _WatchEvent()
        has = ctypes.c_int()
        while True:
            _call(_lib.bee_watch_next, self._live, _milliseconds(deadline),
                  ctypes.byref(event), ctypes.byref(has))
            if has.value:
                return self._event(event)
            if self._cancelled or _past(deadline):
                return None

    def _event(self, event):
        changes = []
        d = _DiffEntry()
        for i in range(event.changes):
            _call(_lib.bee_watch_change, self._live, i, ctypes.byref(d))
            changes.append(_pair(d))
        return WatchEvent(event.version, event.previous_version,
                          bool(event.truncated), changes)

    def __iter__(self):
        while True:
            event = self.next()
            if event is None:
                return
            yield event

    def cancel(self):
        """Makes a waiting next() return None soon, and every later one at
        once; may be called from another thread (not after close())."""
        self._cancelled = True
        if self._handle is not None:
            _lib.bee_watch_cancel(self._handle)

    def close(self):
        self._free()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self._free()
        return False


def open(path, create=True, read_only=False):  # noqa: A001 (as io.open)
    """Opens the store in directory `path`, creating it (a random key pair)
    when missing and `create`; read_only opens without writing or locking
    (and creates nothing)."""
    flags = (_CREATE_IF_MISSING if create and not read_only else 0) | (
        _READ_ONLY if read_only else 0)
    handle = ctypes.c_void_p()
    _call(_lib.bee_open, os.fsencode(path), flags, ctypes.byref(handle))
    return Bee(handle)
