"""The Python binding (python/bee) over libbee.so, with unittest from the
standard library. ctest runs it with BEE_LIBRARY set to the build's
libbee.so (tests/CMakeLists.txt); by hand:

    BEE_LIBRARY=build/ci/btree/libbee.so PYTHONPATH=python \\
        python3 -m unittest discover -s python/tests
"""

import contextlib
import io
import os
import subprocess
import sys
import tempfile
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
        self.assertTrue(out.getvalue().endswith("4 None\n"), out.getvalue())


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
