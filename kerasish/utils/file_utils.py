"""`get_file`: download a file once into Keras's cache folder, check its hash, extract archives.

Files live where Keras 2 keeps them, `~/.keras/<cache_subdir>/` (or `$KERAS_HOME/<cache_subdir>/`
when the KERAS_HOME environment variable is set, as Keras 3 does), so data sets that Keras
already downloaded are found and reused. Without network access, a missing file raises an error
that names the file, the URL and the place to copy the file to.

Example:
    >>> import os, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open(os.path.join(folder, "hello.txt"), "w") as f:
    ...     _ = f.write("hello")
    >>> path = get_file("hello.txt", origin="https://example.com/hello.txt", cache_subdir=".", cache_dir=folder,
    ...                 file_hash="2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    >>> os.path.basename(path)
    'hello.txt'
"""
import hashlib
import os
import shutil
import tarfile
import urllib.error
import urllib.request
import zipfile
from typing import Optional
from urllib.parse import urlsplit

from ..backend.user_warnings import warn

__all__ = ["get_file", "validate_file", "keras_home", "extract_archive"]


def keras_home() -> str:
    """`$KERAS_HOME` if set, else `~/.keras`: the root of Keras's cache."""
    home = os.environ.get("KERAS_HOME")
    return os.path.expanduser(home) if home else os.path.join(os.path.expanduser("~"), ".keras")


def _hasher(algorithm: str, file_hash: Optional[str] = None):
    if algorithm == "sha256" or (algorithm == "auto" and file_hash is not None and len(file_hash) == 64):
        return hashlib.sha256()
    if algorithm in ("md5", "auto"):
        return hashlib.md5()
    raise ValueError(f"`hash_algorithm` must be 'auto', 'sha256' or 'md5'; received {algorithm!r}")


def _hash_file(fpath: str, algorithm="sha256", chunk_size: int = 65535) -> str:
    """The hex digest of a file (`algorithm` is a name or a hashlib object)."""
    hasher = _hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether the file's sha256 (64 hex digits) or md5 hash equals `file_hash`."""
    return _hash_file(fpath, _hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def _algorithm_name(algorithm: str, file_hash: str) -> str:
    if algorithm == "auto":
        return "sha256" if len(file_hash) == 64 else "md5"
    return algorithm


def _inside(base: str, path: str) -> bool:
    base = os.path.realpath(base)
    target = os.path.realpath(os.path.join(base, path))
    return target == base or target.startswith(base + os.sep)


def _safe_tar_members(archive: tarfile.TarFile, path: str):
    for member in archive.getmembers():
        if not _inside(path, member.name):
            warn(f"Skipping invalid path during archive extraction: '{member.name}'.")
            continue
        if member.issym() or member.islnk():
            link_base = os.path.join(path, os.path.dirname(member.name))
            if not _inside(link_base, member.linkname):
                warn(f"Skipping invalid link during archive extraction: '{member.name}'.")
                continue
        yield member


def extract_archive(file_path: str, path: str = ".", archive_format="auto") -> bool:
    """Extract a tar (tar, tar.gz, tar.bz2) or zip archive into `path`; False if it is neither.

    Members that would land outside `path` (absolute paths, `..`, links pointing out) are skipped.
    """
    if archive_format is None:
        return False
    if archive_format == "auto":
        archive_format = ["tar", "zip"]
    if isinstance(archive_format, str):
        archive_format = [archive_format]
    for kind in archive_format:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                members = list(_safe_tar_members(archive, path))
                try:
                    if hasattr(tarfile, "data_filter"):
                        archive.extractall(path, members=members, filter="data")
                    else:
                        archive.extractall(path, members=members)
                except (tarfile.TarError, RuntimeError, KeyboardInterrupt):
                    _remove(path)
                    raise
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                try:
                    archive.extractall(path)  # zipfile drops absolute and '..' components itself
                except (zipfile.BadZipFile, RuntimeError, KeyboardInterrupt):
                    _remove(path)
                    raise
            return True
        if kind not in ("tar", "zip"):
            raise ValueError(f"`archive_format` must be 'auto', 'tar', 'zip', None or a list of those; "
                             f"received {kind!r}")
    return False


def _remove(path: str) -> None:
    if os.path.isfile(path):
        os.remove(path)
    elif os.path.isdir(path):
        shutil.rmtree(path)


class _DownloadProgress:
    """`urlretrieve` report hook drawing Keras's progress bar."""

    def __init__(self):
        self.bar = None
        self.finished = False

    def __call__(self, block_num, block_size, total_size):
        from .progbar import Progbar

        if self.bar is None:
            self.bar = Progbar(None if total_size == -1 else total_size)
        current = block_num * block_size
        if self.bar.target is None:
            self.bar.update(current)
        elif current < self.bar.target:
            self.bar.update(current)
        elif not self.finished:
            self.bar.update(self.bar.target)
            self.finished = True


def _download(origin: str, fpath: str, fname: str, reason: str = "") -> None:
    print(f"Downloading data from {origin}")
    partial = fpath + ".part"
    try:
        urllib.request.urlretrieve(origin, partial, _DownloadProgress())
    except (urllib.error.URLError, OSError, ValueError) as e:
        if os.path.exists(partial):
            os.remove(partial)
        if isinstance(e, urllib.error.HTTPError):
            detail = f"{e.code} -- {e.msg}"
        elif isinstance(e, urllib.error.URLError):
            detail = f"{getattr(e, 'errno', None)} -- {e.reason}"
        else:
            detail = str(e)
        raise OSError(f"URL fetch failure on {origin}: {detail}\n{reason}Could not download '{fname}'. Without "
                      f"network access, download {origin} on another machine and copy it to {fpath}") from e
    except BaseException:
        if os.path.exists(partial):
            os.remove(partial)
        raise
    os.replace(partial, fpath)


def get_file(fname: Optional[str] = None, origin: Optional[str] = None, untar: bool = False,
             md5_hash: Optional[str] = None, file_hash: Optional[str] = None, cache_subdir: str = "datasets",
             hash_algorithm: str = "auto", extract: bool = False, archive_format="auto",
             cache_dir: Optional[str] = None) -> str:
    """The local path of `fname`, downloading it from `origin` first if it is not in the cache.

    Args:
        fname: the file's name in the cache (an absolute path is used as is). Default: the last part
            of the URL.
        origin: the URL to download from.
        untar: (legacy) `origin` is a .tar.gz: extract it and return the folder `fname`.
        md5_hash: (legacy) an md5 hash to check; use `file_hash`.
        file_hash: the expected sha256 (64 hex digits) or md5 hash of the file. A cached file with
            another hash is downloaded again; a download with another hash raises ValueError.
        cache_subdir: the sub-folder of the cache (default "datasets").
        hash_algorithm: "auto" (from the hash's length), "sha256" or "md5".
        extract: extract the file (tar or zip) next to it.
        archive_format: "auto", "tar", "zip", None, or a list of those.
        cache_dir: the cache root (default `$KERAS_HOME` or `~/.keras`).

    Returns:
        The path of the file (or of the extracted folder with `untar=True`).

    Raises:
        OSError: the file is not cached and could not be downloaded (e.g. no network): the message
            names the URL and the path to copy the file to.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if cache_dir is None:
        cache_dir = keras_home()
    if md5_hash is not None and file_hash is None:
        file_hash = md5_hash
        hash_algorithm = "md5"
    base = os.path.expanduser(os.fspath(cache_dir))
    if not os.path.isdir(base):
        try:
            os.makedirs(base, exist_ok=True)
        except OSError:
            pass
    if not os.access(base, os.W_OK):
        base = os.path.join("/tmp", ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    fname = os.fspath(fname) if fname is not None else ""
    if not fname:
        fname = os.path.basename(urlsplit(origin).path)
        if not fname:
            raise ValueError(f"Can't parse the file name from the origin provided: '{origin}'. Please specify "
                             "the `fname` as the input param.")
    if untar:
        if fname.endswith(".tar.gz"):
            fname = fname[:-len(".tar.gz")]
        untar_fpath = os.path.join(datadir, fname)
        fpath = untar_fpath + ".tar.gz"
        if os.path.isdir(untar_fpath) and not os.path.exists(fpath):
            # Already extracted (the archive was deleted to save space): nothing to fetch.
            return untar_fpath
    else:
        fpath = os.path.join(datadir, fname)

    download, reason = False, ""
    if os.path.exists(fpath):
        if file_hash is not None and not validate_file(fpath, file_hash, algorithm=hash_algorithm):
            algorithm = _algorithm_name(hash_algorithm, file_hash)
            reason = (f"A local file was found at {fpath}, but its {algorithm} file hash does not match the "
                      f"original value of {file_hash}, so it is incomplete or outdated.\n")
            print(f"A local file was found, but it seems to be incomplete or outdated because the {algorithm} "
                  f"file hash does not match the original value of {file_hash} so we will re-download the data.")
            download = True
    else:
        download = True

    if download:
        _download(origin, fpath, fname, reason)
        if file_hash is not None and not validate_file(fpath, file_hash, algorithm=hash_algorithm):
            algorithm = _algorithm_name(hash_algorithm, file_hash)
            raise ValueError(f"Incomplete or corrupted file detected. The {algorithm} file hash of {fpath} does not "
                             f"match the provided value of {file_hash}.")

    if untar:
        if not os.path.exists(untar_fpath):
            extract_archive(fpath, datadir, archive_format="tar")
        return untar_fpath
    if extract:
        extract_archive(fpath, datadir, archive_format)
    return fpath
