"""Downloads against loopback HTTP servers: a 404 mirror, a corrupt one, a good one, hostile."""

import functools
import gzip
import hashlib
import http.server
import logging
import shutil
import threading
import time

import pytest

from mnistlab import InputError, MnistlabError
from mnistlab.data import (
    DEFAULT_MIRRORS,
    MNIST_FILES,
    MNIST_MD5,
    download_mnist,
    load,
    mirrors,
    mnist_cache_dir,
)
from tests.conftest import write_idx_dir


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/www on 127.0.0.1 and yield its base URL."""
    www = tmp_path / "www"
    www.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(www))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield www, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.mark.mnist
def test_download_tries_mirrors_in_turn(server, mnist_dir, monkeypatch):
    www, base = server
    (www / "missing").mkdir()  # serves 404 for every file
    corrupt = www / "corrupt"
    corrupt.mkdir()
    for stem in MNIST_FILES:  # valid gzip, wrong content: only the MD5 can tell
        (corrupt / f"{stem}.gz").write_bytes(gzip.compress(b"not mnist"))
    shutil.copytree(mnist_dir, www / "good")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/missing/,{base}/corrupt,{base}/good/")
    directory = download_mnist()
    assert directory == mnist_cache_dir()
    assert sorted(p.name for p in directory.iterdir()) == sorted(f"{s}.gz" for s in MNIST_FILES)
    monkeypatch.delenv("MNISTLAB_DATA")
    ds = load("auto")  # now from the cache, verified
    assert ds.verified and ds.n_train == 60000
    assert str(directory) in ds.source


def test_download_fails_clearly_when_no_mirror_serves(server, monkeypatch):
    www, base = server
    bad = www / "bad"
    bad.mkdir()
    for stem in MNIST_FILES:
        (bad / f"{stem}.gz").write_bytes(b"garbage, not gzip")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/none/,{base}/bad/")
    with pytest.raises(MnistlabError, match="could not download .* from any mirror") as info:
        download_mnist()
    assert "404" in str(info.value) and "checksum mismatch" in str(info.value)
    assert not any(mnist_cache_dir().iterdir())  # nothing unverified is kept


@pytest.fixture
def small_mnist(tmp_path, monkeypatch):
    """Four small IDX files served as if they were MNIST (their MD5s stand in for MNIST's)."""
    directory = write_idx_dir(tmp_path / "genuine")
    for stem in MNIST_FILES:
        data = gzip.decompress((directory / f"{stem}.gz").read_bytes())
        monkeypatch.setitem(MNIST_MD5, stem, hashlib.md5(data).hexdigest())
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    monkeypatch.delenv("MNISTLAB_OFFLINE", raising=False)
    return directory


def test_corrupt_file_in_the_cache_is_downloaded_again(server, small_mnist, monkeypatch, caplog):
    www, base = server
    shutil.copytree(small_mnist, www / "good")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/good/")
    cache = mnist_cache_dir()
    shutil.copytree(small_mnist, cache, dirs_exist_ok=True)
    damaged = cache / f"{MNIST_FILES[0]}.gz"
    damaged.write_bytes(damaged.read_bytes()[:50])  # an interrupted copy: truncated gzip
    with caplog.at_level(logging.WARNING, logger="mnistlab"):
        ds = load("auto")  # failed with "corrupt or truncated gzip" on every run before
    assert ds.verified and ds.image_shape == (6, 5)
    assert "downloading it again" in caplog.text
    assert damaged.read_bytes() == (small_mnist / damaged.name).read_bytes()
    damaged.write_bytes(b"garbage")
    assert download_mnist() == cache and load("mnist").verified  # download_mnist alone too
    damaged.write_bytes(b"garbage")
    monkeypatch.setenv("MNISTLAB_OFFLINE", "1")
    with pytest.raises(InputError, match="MNISTLAB_OFFLINE is set, so it cannot be downloaded"):
        load("mnist")


@pytest.mark.parametrize(
    "url",
    ["http://example.com/mnist/", "ftp://example.com/mnist/", "http://127.0.0.1.example.com/"],
)
def test_plain_http_mirror_is_refused(url, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"https://example.org/,{url}")
    monkeypatch.delenv("MNISTLAB_DATA", raising=False)
    with pytest.raises(InputError, match="only https mirrors are accepted"):
        mirrors()
    with pytest.raises(InputError, match="only https"):
        load("auto")  # said, not hidden behind the fallback to the embedded digits
    assert not any(u.startswith("http:") for u in DEFAULT_MIRRORS)


def test_loopback_http_and_https_mirrors_are_accepted(monkeypatch):
    urls = ["https://example.org/m", "http://127.0.0.1:8000/", "http://localhost/", "http://[::1]/"]
    monkeypatch.setenv("MNISTLAB_MIRRORS", ",".join(urls))
    assert mirrors() == ["https://example.org/m/", *urls[1:]]


class _HostileHandler(http.server.BaseHTTPRequestHandler):
    """/endless/: a body without a length that does not end; /big/: a huge Content-Length;
    /redirect/: a redirect to plain http elsewhere."""

    sent = 0

    def do_GET(self):
        if self.path.startswith("/redirect/"):
            self.send_response(302)
            self.send_header("Location", "http://example.com/mnist/file.gz")
            self.end_headers()
            return
        self.send_response(200)
        if self.path.startswith("/big/"):
            self.send_header("Content-Length", str(10**12))
        self.end_headers()
        chunk = b"\0" * 65536
        try:
            for _ in range(10_000):  # 655 MB at most, if nothing stops the client
                self.wfile.write(chunk)
                type(self).sent += len(chunk)
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HostileHandler)
    _HostileHandler.sent = 0
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize(
    ("path", "match"),
    [
        ("endless", r"larger than \d+ bytes, refused"),
        ("big", r"1000000000000 bytes, larger than \d+, refused"),
        ("redirect", "redirected to http://example.com/mnist/file.gz: only https"),
    ],
)
def test_hostile_mirror_is_cut_short(hostile, path, match, monkeypatch):
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{hostile}/{path}/")
    with pytest.raises(MnistlabError, match=match):
        download_mnist()
    assert _HostileHandler.sent < 60 << 20  # the client hung up near the cap (47 MB)
    assert not any(mnist_cache_dir().iterdir())


class _TricklingHandler(http.server.BaseHTTPRequestHandler):
    """A mirror that sends one byte every 0.1 s: each read succeeds, the download never ends."""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "1000")
        self.end_headers()
        try:
            for _ in range(1000):
                self.wfile.write(b"\0")
                self.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass

    def log_message(self, *args):
        pass


def test_a_trickling_mirror_is_given_up_at_the_time_limit(server, small_mnist, monkeypatch):
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _TricklingHandler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    www, base = server
    shutil.copytree(small_mnist, www / "good")
    slow = f"http://127.0.0.1:{httpd.server_address[1]}/slow/"
    monkeypatch.setenv("MNISTLAB_DOWNLOAD_TIME_LIMIT", "1")
    try:
        monkeypatch.setenv("MNISTLAB_MIRRORS", f"{slow},{base}/good/")
        start = time.monotonic()
        assert download_mnist() == mnist_cache_dir()  # the next mirror, once the first is given up
        assert time.monotonic() - start < 4 * 3  # each of the four files: about 1 s, not 100 s
        assert load("mnist").verified
        for path in mnist_cache_dir().iterdir():
            path.unlink()
        monkeypatch.setenv("MNISTLAB_MIRRORS", slow)
        with pytest.raises(MnistlabError, match=r"from any mirror \(.*not done within 1 s"):
            download_mnist()  # the one-line error of all mirrors failing
        assert not any(mnist_cache_dir().iterdir())
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize("value", ["0", "-5", "soon", "nan", "inf"])
def test_a_bad_time_limit_is_a_one_line_error(value, monkeypatch):
    monkeypatch.setenv("MNISTLAB_DOWNLOAD_TIME_LIMIT", value)
    with pytest.raises(InputError, match="MNISTLAB_DOWNLOAD_TIME_LIMIT=.*positive number"):
        download_mnist()


def _download(i):
    return sorted(p.name for p in download_mnist().iterdir())


@pytest.mark.mnist
def test_processes_started_together_download_once(server, mnist_dir, monkeypatch):
    from tests._concurrency import at_once

    www, base = server
    shutil.copytree(mnist_dir, www / "good")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/good/")
    names = sorted(f"{s}.gz" for s in MNIST_FILES)
    assert at_once(_download, 3) == [names] * 3
    assert sorted(p.name for p in mnist_cache_dir().iterdir()) == names


def test_a_downloads_folder_of_the_users_own_is_never_deleted(
    server, small_mnist, tmp_path, monkeypatch
):
    # MNISTLAB_CACHE names a folder of the user's (not empty, so never marked as ours)
    home = tmp_path / "home"
    (home / "downloads").mkdir(parents=True)
    (home / "downloads" / "thesis.pdf").write_text("mine")
    monkeypatch.setenv("MNISTLAB_CACHE", str(home))
    www, base = server
    shutil.copytree(small_mnist, www / "good")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/good/")
    assert download_mnist() == home / "mnist"
    assert (home / "downloads" / "thesis.pdf").read_text() == "mine"  # rmtree'd before
    assert download_mnist() == home / "mnist"  # all there: nothing downloaded, nothing removed
    assert sorted(p.name for p in (home / "downloads").iterdir()) == ["thesis.pdf"]


def test_a_directory_in_place_of_a_cached_file_is_replaced(server, small_mnist, monkeypatch):
    www, base = server
    shutil.copytree(small_mnist, www / "good")
    monkeypatch.setenv("MNISTLAB_MIRRORS", f"{base}/good/")
    in_place = mnist_cache_dir() / f"{MNIST_FILES[0]}.gz"
    in_place.mkdir()
    (in_place / "x").write_text("x")
    ds = load("auto")  # an internal error before (IsADirectoryError), on every run
    assert ds.verified and in_place.is_file()
