"""Debian packages that hold recorded speech: fetched into a cache with apt-get + dpkg.

``apt-get download PKG`` fetches the .deb alone (no game engine or festival pulled in as a
dependency, no root needed) and ``dpkg -x`` unpacks it into ``<cache>/packages/<PKG>/root``.
The cache folder comes from ``--cache-dir``, else ``$SFVAE_CACHE_DIR``, else
``$XDG_CACHE_HOME/sfvae`` (``~/.cache/sfvae``). A package is fetched once; a ``.complete``
marker written after unpacking tells a finished unpack from an interrupted one.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from ..errors import SfvaeError
from ..fileio import write_text

__all__ = ["CACHE_ENV", "PackageError", "cache_dir", "package_root", "fetch_package",
           "package_version"]

CACHE_ENV = "SFVAE_CACHE_DIR"
_MARKER = ".complete"


class PackageError(SfvaeError):
    """A Debian package could not be downloaded or unpacked."""


def cache_dir(explicit: str | os.PathLike | None = None) -> Path:
    """The sfvae cache folder: ``explicit``, else $SFVAE_CACHE_DIR, else ~/.cache/sfvae."""
    if explicit:
        return Path(explicit)
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(root) / "sfvae"


def package_root(package: str, cache: str | os.PathLike | None = None) -> Path:
    """Where ``package`` is (or will be) unpacked: ``<cache>/packages/<package>/root``."""
    return cache_dir(cache) / "packages" / package / "root"


def package_version(package: str, cache: str | os.PathLike | None = None) -> str:
    """Version of the unpacked package (from the marker), "" when not fetched."""
    marker = package_root(package, cache).parent / _MARKER
    return marker.read_text().strip() if marker.is_file() else ""


def fetch_package(package: str, cache: str | os.PathLike | None = None,
                  progress: bool = True) -> Path:
    """Unpacked root of Debian ``package``, downloading and unpacking it when missing."""
    root = package_root(package, cache)
    home = root.parent
    if (home / _MARKER).is_file() and root.is_dir():
        return root
    for tool in ("apt-get", "dpkg-deb"):
        if shutil.which(tool) is None:
            raise PackageError(f"{package}: needs {tool} (a Debian-based system) to fetch "
                               f"recorded speech; or copy an unpacked cache into {home.parent}")
    home.mkdir(parents=True, exist_ok=True)
    if progress:
        print(f"corpus: downloading Debian package {package} into {home}", file=sys.stderr,
              flush=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=home) as tmp:
        done = subprocess.run(["apt-get", "download", package], cwd=tmp, capture_output=True,
                              text=True)
        debs = sorted(Path(tmp).glob("*.deb"))
        if done.returncode != 0 or not debs:
            detail = (done.stderr.strip().splitlines() or ["no .deb written"])[-1]
            raise PackageError(f"{package}: apt-get download failed ({detail}); "
                               f"try `apt-get update` first")
        deb = debs[0]
        version = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True,
                                 text=True).stdout.strip()
        if progress:
            size = deb.stat().st_size / 1e6
            print(f"corpus: unpacking {deb.name} ({size:.0f} MB)", file=sys.stderr, flush=True)
        staging = Path(tmp) / "root"
        unpack = subprocess.run(["dpkg-deb", "-x", str(deb), str(staging)], capture_output=True,
                                text=True)
        if unpack.returncode != 0:
            raise PackageError(f"{deb.name}: dpkg-deb -x failed ({unpack.stderr.strip()})")
        if root.exists():  # an interrupted earlier unpack
            shutil.rmtree(root)
        staging.rename(root)
    write_text(home / _MARKER, f"{version}\n")
    return root
