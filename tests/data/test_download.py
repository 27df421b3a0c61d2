"""Downloads against loopback HTTP servers: a 404 mirror, a corrupt one, a good one."""

import functools
import gzip
import http.server
import shutil
import threading

import pytest

from mnistlab import MnistlabError
from mnistlab.data import MNIST_FILES, download_mnist, load, mnist_cache_dir


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
