"""The Python binding (python/bee) over libbee.so, with unittest from the
standard library. ctest runs it with BEE_LIBRARY set to the build's
libbee.so (tests/CMakeLists.txt); by hand:

    BEE_LIBRARY=build/ci/btree/libbee.so PYTHONPATH=python \\
        python3 -m unittest discover -s python/tests
"""

import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

import bee


class StoreTest(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory()
        self.path = os.path.join(self._tmp.name, "db")

    def tearDown(self):
        self._tmp.cleanup()

    def fill(self, db):
        """Versions 2..4: a=1, b=2, c=3."""
        db[b"a"] = b"1"
        db[b"b"] = b"2"
        db[b"c"] = b"3"


class BasicTest(StoreTest):
    def test_put_get_delete_and_reopen(self):
        with bee.open(self.path) as db:
            self.assertEqual(db.version, 1)
            self.assertEqual(db.length, 0)
            self.fill(db)
            db.put("é", "ü")  # str: UTF-8
            self.assertEqual(db[b"b"], b"2")
            self.assertEqual(db["\u00e9".encode()], "ü".encode())
            self.assertEqual(db.get(b"zz"), None)
            self.assertEqual(db.get(b"zz", b"dflt"), b"dflt")
            with self.assertRaises(KeyError):
                db[b"zz"]
            self.assertIn(b"a", db)
            self.assertNotIn(b"zz", db)
            del db[b"a"]
            self.assertNotIn(b"a", db)
            with self.assertRaises(KeyError):
                del db[b"a"]
            db.delete(b"a")  # absent: nothing appended
            db[b"empty"] = b""
            self.assertEqual(db[b"empty"], b"")
            self.assertEqual(db.version, 7)
            self.assertEqual(db.length, 7)
        with bee.open(self.path, create=False) as db:
            self.assertEqual(list(db), [b"b", b"c", b"empty", "é".encode()])
            self.assertEqual(db.version, 7)

    def test_read_only(self):
        with bee.open(self.path) as db:
            self.fill(db)
            with bee.open(self.path, read_only=True) as reader:
                self.assertEqual(reader[b"c"], b"3")
                with self.assertRaises(bee.Error):
                    reader[b"x"] = b"y"

    def test_library_version(self):
        self.assertRegex(bee.library_version(), r"^\d+\.\d+\.\d+$")


class RangeTest(StoreTest):
    def test_bounds_reverse_limit(self):
        with bee.open(self.path) as db:
            self.fill(db)
            db[b"d"] = b"4"
            self.assertEqual([k for k, _ in db.range()],
                             [b"a", b"b", b"c", b"d"])
            self.assertEqual(list(db.range(gte=b"b", lt=b"d")),
                             [(b"b", b"2"), (b"c", b"3")])
            self.assertEqual(list(db.range(gt="a", lte="c", reverse=True)),
                             [(b"c", b"3"), (b"b", b"2")])
            self.assertEqual(list(db.range(reverse=True, limit=1)),
                             [(b"d", b"4")])
            self.assertEqual(list(db.range(limit=0)), [])
            self.assertEqual(list(db.entries(gte=b"d")),
                             [bee.Entry(4, b"d", b"4")])

    def test_an_iterator_reads_its_version(self):
        with bee.open(self.path) as db:
            self.fill(db)
            it = db.range()
            self.assertEqual(next(it), (b"a", b"1"))
            db[b"aa"] = b"new"  # after the iterator was made
            self.assertEqual([k for k, _ in it], [b"b", b"c"])
            it = db.range()
        # The iterator outlives the store.
        self.assertEqual(len(list(it)), 4)


class CheckoutTest(StoreTest):
    def test_past_versions(self):
        with bee.open(self.path) as db:
            self.fill(db)
            db[b"a"] = b"10"
            old = db.checkout(3)
            self.assertEqual(old.version, 3)
            self.assertEqual(old[b"a"], b"1")
            self.assertNotIn(b"c", old)
            self.assertEqual(list(old.range()), [(b"a", b"1"), (b"b", b"2")])
            self.assertEqual(db[b"a"], b"10")

    def test_bad_versions(self):
        with bee.open(self.path) as db:
            self.fill(db)
            with self.assertRaises(bee.InvalidArgumentError) as e:
                db.checkout(9)
            self.assertTrue(e.exception.message.startswith(
                "bee_checkout: InvalidArgument: "), e.exception.message)
            self.assertEqual(e.exception.code, 1)
            with self.assertRaisesRegex(bee.InvalidArgumentError,
                                        "version 0 does not exist"):
                db.checkout(0)
            with self.assertRaisesRegex(bee.InvalidArgumentError,
                                        "negative"):
                db.checkout(-1)


class BatchTest(StoreTest):
    def test_flushed_at_the_end_of_the_block(self):
        with bee.open(self.path) as db:
            self.fill(db)
            with db.batch() as b:
                b[b"d"] = b"4"
                b.put("e", "5")
                del b[b"a"]
                self.assertEqual(b.get(b"d"), b"4")
                self.assertNotIn(b"d", db)
            self.assertEqual(db[b"d"], b"4")
            self.assertNotIn(b"a", db)
            self.assertEqual(db.version, 7)
            with self.assertRaisesRegex(bee.InvalidArgumentError,
                                        "the batch is closed"):
                b.put(b"x", b"y")

    def test_discarded_when_the_block_raises(self):
        with bee.open(self.path) as db:
            self.fill(db)
            with self.assertRaises(RuntimeError):
                with db.batch() as b:
                    b[b"d"] = b"4"
                    raise RuntimeError("stop")
            self.assertNotIn(b"d", db)
            self.assertEqual(db.version, 4)
            with self.assertRaisesRegex(bee.InvalidArgumentError,
                                        "the batch is closed"):
                b.put(b"x", b"y")

    def test_busy_while_open(self):
        with bee.open(self.path) as db:
            b = db.batch()
            with self.assertRaises(bee.BusyError) as e:
                db.batch()
            self.assertIn("another batch of this store is open",
                          e.exception.message)
            with self.assertRaises(bee.BusyError):
                db.close()
            b.discard()
            db[b"a"] = b"1"


class DiffHistoryTest(StoreTest):
    def test_diff(self):
        with bee.open(self.path) as db:
            self.fill(db)
            db[b"b"] = b"20"
            del db[b"a"]
            pairs = [(l and (l.key, l.value), r and (r.key, r.value))
                     for l, r in db.diff(4, db.version)]
            self.assertEqual(pairs, [((b"a", b"1"), None),
                                     ((b"b", b"2"), (b"b", b"20"))])
            self.assertEqual(len(list(db.diff(4))), 2)  # to the current
            self.assertEqual(len(list(db.diff(4, gte=b"b"))), 1)
            self.assertEqual(list(db.diff(6, 6)), [])

    def test_history(self):
        with bee.open(self.path) as db:
            self.fill(db)
            del db[b"a"]
            self.assertEqual(list(db.history()), [
                bee.Change("put", 1, b"a", b"1"),
                bee.Change("put", 2, b"b", b"2"),
                bee.Change("put", 3, b"c", b"3"),
                bee.Change("del", 4, b"a", None),
            ])
            self.assertEqual([c.seq for c in db.history(reverse=True,
                                                        limit=2)], [4, 3])
            self.assertEqual([c.seq for c in db.history(gte=2, lt=4)], [2, 3])
            self.assertEqual([c.seq for c in db.checkout(3).history()],
                             [1, 2])


class NullValueTest(StoreTest):
    def test_put_of_none_is_a_key_without_a_value(self):
        with bee.open(self.path) as db:
            db[b"null"] = None
            db.put(b"empty", b"")
            with db.batch() as b:
                b[b"batched"] = None
                self.assertIsNone(b.get(b"batched", b"absent"))
            self.assertIn(b"null", db)
            self.assertIsNone(db[b"null"])
            self.assertIsNone(db.get(b"null", b"absent"))
            self.assertEqual(db[b"empty"], b"")
            self.assertEqual(list(db.range()), [
                (b"batched", None), (b"empty", b""), (b"null", None)])
            self.assertEqual([(c.type, c.value) for c in db.history()], [
                ("put", None), ("put", b""), ("put", None)])


class SubTest(StoreTest):
    def test_keys_are_stored_under_hyperbees_prefixes(self):
        with bee.open(self.path) as db:
            users = db.sub("users")
            admins = users.sub(b"admins")
            dashed = db.sub("c", sep=b"-")
            users["alice"] = "1"
            admins["root"] = b"2"
            dashed[b"k"] = b"3"
            users[b"nobody"] = None
            db[b"users"] = b"root key"
            self.assertEqual(users.prefix, b"users\x00")
            self.assertEqual(admins.prefix, b"users\x00admins\x00")
            self.assertEqual(list(db), [b"c-k", b"users",
                                        b"users\x00admins\x00root",
                                        b"users\x00alice",
                                        b"users\x00nobody"])
            self.assertEqual(users[b"alice"], b"1")
            self.assertIsNone(users[b"nobody"])
            self.assertIn(b"nobody", users)
            self.assertNotIn(b"root", users)
            self.assertEqual(admins.get(b"root"), b"2")
            self.assertEqual(dashed[b"k"], b"3")
            # A sub's range includes its nested subs' keys, as hyperbee's.
            self.assertEqual(list(users), [b"admins\x00root", b"alice",
                                           b"nobody"])
            self.assertEqual(list(admins.range()), [(b"root", b"2")])
            self.assertEqual(list(users.range(gte=b"b", reverse=True)),
                             [(b"nobody", None)])
            self.assertEqual([e.seq for e in users.entries(limit=1)], [2])
            del users[b"alice"]
            self.assertNotIn(b"alice", users)
            with self.assertRaises(KeyError):
                del users[b"alice"]
            self.assertEqual(db[b"users"], b"root key")

    def test_a_sub_keeps_its_store_open_until_it_is_closed(self):
        users = bee.open(self.path).sub("users")  # no other reference
        users["a"] = "1"
        self.assertEqual(users["a"], b"1")
        del users  # frees the sub, then its store
        with bee.open(self.path, create=False) as db:  # not locked
            self.assertEqual(db[b"users\x00a"], b"1")
        db = bee.open(self.path + "2")
        sub = db.sub("s")
        db.close()
        with self.assertRaisesRegex(bee.InvalidArgumentError,
                                    "bee_sub_put: InvalidArgument: the "
                                    "store is closed"):
            sub["a"] = "1"
        with self.assertRaisesRegex(bee.InvalidArgumentError,
                                    "the store is closed"):
            sub.sub("t")
        self.assertEqual(sub.prefix, b"s\x00")

    def test_bad_names(self):
        with bee.open(self.path) as db:
            with self.assertRaisesRegex(TypeError, "name must be bytes"):
                db.sub(3)
            with self.assertRaisesRegex(TypeError, "sep must be bytes"):
                db.sub("a", sep=3)


class WaitWatchTest(StoreTest):
    # Waits that must end get a minute: one that times out instead fails
    # the checks after it; none of the checks depends on timing.
    LONG = 60.0

    def test_wait(self):
        with bee.open(self.path) as db:
            db[b"a"] = b"1"  # version 2
            self.assertEqual(db.wait(after=1), 2)
            self.assertEqual(db.wait(timeout=0), 2)
            writer = threading.Thread(target=db.put, args=(b"b", b"2"))
            writer.start()
            self.assertEqual(db.wait(after=2, timeout=self.LONG), 3)
            writer.join()
            with self.assertRaisesRegex(ValueError, "must not be negative"):
                db.wait(timeout=-1)
            with db.watch() as w, self.assertRaises(ValueError):
                w.next(timeout=-0.5)
            with self.assertRaises(bee.InvalidArgumentError):
                db.refresh()  # not read-only

    def test_a_reader_follows_the_writer(self):
        with bee.open(self.path) as db, \
                bee.open(self.path, read_only=True) as reader:
            db[b"a"] = b"1"
            self.assertEqual(reader.version, 1)
            self.assertTrue(reader.refresh())
            self.assertFalse(reader.refresh())
            self.assertEqual(reader[b"a"], b"1")
            writer = threading.Thread(target=db.put, args=(b"b", b"2"))
            writer.start()
            self.assertEqual(reader.wait(after=2, timeout=self.LONG), 3)
            writer.join()
            with reader.watch() as w:
                db[b"c"] = b"3"
                event = w.next(timeout=self.LONG)
            self.assertEqual(event.version, 4)
            self.assertEqual([(n.key, o) for n, o in event.changes],
                             [(b"c", None)])

    def test_watch(self):
        with bee.open(self.path) as db:
            db[b"b"] = b"1"  # version 2
            with db.watch(gte=b"b", lt=b"c") as w:
                self.assertIsNone(w.next(timeout=0))
                db[b"a"] = b"x"  # outside the range: skipped
                db[b"b"] = b"2"
                event = w.next(timeout=self.LONG)
                self.assertEqual(event.previous_version, 2)
                self.assertEqual(event.version, 4)
                self.assertFalse(event.truncated)
                (new, old), = event.changes
                self.assertEqual((new.key, new.value, old.value),
                                 (b"b", b"2", b"1"))
                del db[b"b"]
                event = w.next(timeout=self.LONG)
                self.assertEqual([(n, o.value) for n, o in event.changes],
                                 [(None, b"2")])
            with self.assertRaisesRegex(bee.InvalidArgumentError,
                                        "the watch is closed"):
                w.next(timeout=0)

    def test_cancel_ends_iteration(self):
        with bee.open(self.path) as db:
            w = db.watch()
            seen = []

            def consume():
                for event in w:
                    seen.append(event.version)
                    w.cancel()  # after the first

            consumer = threading.Thread(target=consume)
            consumer.start()
            db[b"a"] = b"1"
            consumer.join(self.LONG)
            self.assertFalse(consumer.is_alive())
            self.assertEqual(seen, [2])
            self.assertIsNone(w.next())  # cancelled: at once
            w.close()


class InstalledPathsTest(StoreTest):
    def test_the_installed_library_is_found_without_bee_library(self):
        """A package installed by cmake --install finds libbee.so through
        its generated _paths.py (here written by hand)."""
        library = os.environ.get("BEE_LIBRARY")
        if not library:
            self.skipTest("BEE_LIBRARY is not set")
        package = os.path.join(self._tmp.name, "site", "bee")
        shutil.copytree(os.path.dirname(bee.__file__), package,
                        ignore=shutil.ignore_patterns("__pycache__"))
        with open(os.path.join(package, "_paths.py"), "w") as f:
            f.write("def library():\n    return %r\n" % library)
        env = dict(os.environ, PYTHONPATH=os.path.dirname(package))
        del env["BEE_LIBRARY"]
        code = ("import bee; print(bee._find_library()); "
                "db = bee.open(%r); db['k'] = 'v'; print(db['k'])"
                % self.path)
        r = subprocess.run([sys.executable, "-c", code], env=env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "%s\nb'v'\n" % library)


class ReadmeTest(StoreTest):
    def test_the_readme_example_runs(self):
        readme = os.path.join(os.path.dirname(__file__), "..", "..",
                              "README.md")
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        start = text.index("```python\n") + len("```python\n")
        code = text[start:text.index("```", start)]
        self.assertIn('"/tmp/db"', code)
        code = code.replace('"/tmp/db"', repr(self.path))
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(code, "README.md", "exec"), {})
        self.assertIn("b'apple' b'red'", out.getvalue())
        self.assertIn("True None [b'alice']\n", out.getvalue())
        self.assertIn("6 [(b'avocado', None)]\n", out.getvalue())
        self.assertTrue(out.getvalue().endswith("6 None\n"), out.getvalue())


class ErrorTest(StoreTest):
    def test_closed_store(self):
        db = bee.open(self.path)
        db.close()
        db.close()  # again: harmless
        with self.assertRaises(bee.InvalidArgumentError) as e:
            db[b"a"] = b"1"
        self.assertEqual(e.exception.message,
                         "bee_put: InvalidArgument: the store is closed")
        with self.assertRaisesRegex(bee.InvalidArgumentError,
                                    "the store is closed"):
            db.version
        with self.assertRaisesRegex(bee.InvalidArgumentError,
                                    "the store is closed"):
            list(db.range())

    def test_missing_store(self):
        with self.assertRaises(bee.Error) as e:
            bee.open(self.path, create=False)
        self.assertIn(self.path, e.exception.message)
        self.assertTrue(e.exception.message.startswith("bee_open: "))

    def test_second_writer_is_refused(self):
        with bee.open(self.path):
            with self.assertRaises(bee.Error):
                bee.open(self.path)

    def test_bad_key_types(self):
        with bee.open(self.path) as db:
            with self.assertRaisesRegex(TypeError, "key must be bytes or str"):
                db[1] = b"x"
            with self.assertRaisesRegex(TypeError, "value must be bytes"):
                db[b"k"] = 3

    def test_library_limits_come_back_as_errors(self):
        with bee.open(self.path) as db:
            with self.assertRaises(bee.InvalidArgumentError) as e:
                db[b"k" * (16 << 20)] = b"v"  # over the 15 MiB key limit
            self.assertTrue(e.exception.message.startswith(
                "bee_put: InvalidArgument: "))
            self.assertIsInstance(e.exception, bee.Error)

    def test_library_not_found(self):
        env = dict(os.environ, BEE_LIBRARY="/nonexistent/libbee.so")
        r = subprocess.run([sys.executable, "-c", "import bee"], env=env,
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bee: cannot load /nonexistent/libbee.so", r.stderr)


if __name__ == "__main__":
    unittest.main()
