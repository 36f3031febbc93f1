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

The library is found at $BEE_LIBRARY, else as libbee.so next to this
package, else by the system's loader (ctypes.util.find_library("bee")).

Thread safety: as the C API's: one writer at a time, any number of
readers; do not share one iterator between threads.
"""

import collections
import ctypes
import ctypes.util
import os

__all__ = [
    "open", "Bee", "Snapshot", "Batch", "Entry", "Change", "Error",
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
"del"; value is None for a delete."""

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


def _find_library():
    path = os.environ.get("BEE_LIBRARY")
    if path:
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
            "bee: libbee.so not found: set BEE_LIBRARY to its path, or put "
            "it next to the bee package")
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
        "bee_del": (I, [P, B, N, PP]),
        "bee_batch_create": (I, [P, PP, PP]),
        "bee_batch_put": (I, [P, B, N, B, N, PP]),
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


class _Reader:
    """Reads shared by a store (its current version) and a snapshot."""

    def _snapshot(self):
        raise NotImplementedError

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
        k, v = _bytes(key, "key"), _bytes(value, "value")
        _call(_lib.bee_batch_put, self._live, k, len(k), v, len(v))

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


class Bee(_Reader, _Handle):
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
        """Appends one block setting key to value."""
        k, v = _bytes(key, "key"), _bytes(value, "value")
        _call(_lib.bee_put, self._live, k, len(k), v, len(v))

    def delete(self, key):
        """Appends one block deleting key; nothing when it is absent."""
        k = _bytes(key, "key")
        _call(_lib.bee_del, self._live, k, len(k))

    def __setitem__(self, key, value):
        self.put(key, value)

    def __delitem__(self, key):
        if key not in self:
            raise KeyError(key)
        self.delete(key)

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


def open(path, create=True, read_only=False):  # noqa: A001 (as io.open)
    """Opens the store in directory `path`, creating it (a random key pair)
    when missing and `create`; read_only opens without writing or locking
    (and creates nothing)."""
    flags = (_CREATE_IF_MISSING if create and not read_only else 0) | (
        _READ_ONLY if read_only else 0)
    handle = ctypes.c_void_p()
    _call(_lib.bee_open, os.fsencode(path), flags, ctypes.byref(handle))
    return Bee(handle)
