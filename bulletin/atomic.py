"""Write files so that a kill at any moment leaves either the old bytes or the new ones."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def temp_name(path: Path) -> Path:
    """A hidden, unique name beside `path` to write it completely before it takes its place."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}")


def write_bytes(path: Path, data: bytes, sync: bool = True) -> None:
    """Write `path` by write-then-rename; `sync`: flush to disk before the rename."""
    tmp = temp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if sync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    if sync:
        sync_folder(path.parent)


def write_text(path: Path, text: str, sync: bool = True) -> None:
    """Write UTF-8 text with "\\n" line ends by write-then-rename."""
    write_bytes(path, text.encode("utf-8"), sync)


def sync_folder(folder: Path) -> None:
    """Make a rename inside `folder` durable where the system allows it (not on Windows)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def leftovers(folder: Path) -> list[Path]:
    """The temporary files that a killed write left in `folder`."""
    try:
        return sorted(p for p in folder.iterdir() if p.name.startswith(".") and ".tmp-" in p.name)
    except OSError:
        return []


def write_files(files: dict[Path, bytes]) -> None:
    """Write every file (temp file, then rename), so that none is left half written.

    Used by `sheets` (workbooks) and `import` (score files). All files are staged before the
    first rename, so an error while staging (a full disk) replaces none of them.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for path, content in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(path)
            staged.append((tmp, path))
            with open(tmp, "xb") as handle:  # its mode follows the umask, as a new file's does
                handle.write(content)
        for tmp, path in staged:
            os.replace(tmp, path)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
