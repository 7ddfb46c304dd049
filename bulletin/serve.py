"""Live preview: build with drafts into a private folder, serve it, rebuild and reload on change.

The browser side is livereload's (its livereload.js and WebSocket handler, hosted by its
`Server`). Its watching is not used, because what livereload 2.7.1 does by default is wrong
for a build that reads a whole tree (read in server.py, watcher.py, handlers.py):

- `Server.serve()` turns on Tornado's debug mode whenever a WSGI app is given: autoreload then
  re-executes the whole process when any imported Python module changes. We mount the app
  ourselves with debug off (preview_live.py).
- Without pyinotify, `Watcher` is polled every 800 ms (a fixed `PeriodicCallback`). Each poll
  walks the watched folders and stops at the *first* changed file, runs the task, and leaves
  the other changed files for the following polls: a "save all" or `git checkout` of N files
  gives up to N rebuilds, 800 ms apart.
- `LiveReloadHandler.poll_tasks` then drops the browser reload ("Ignore: …" in its log) when the
  last reload was less than 3 s ago (`DEFAULT_RELOAD_TIME`; at least 1 s with a `delay`), but
  the task has already run: of two edits a second apart the second is built and never shown.
- With no browser connected, changes are examined (and tasks run) but nothing is queued: a page
  opened a moment later is not told about a build that finished while it was loading.
- Its own addresses (`/livereload`, `/livereload.js`, `/forcereload`) skip any check of the
  Host, and its WebSocket accepts any Origin.
- Kept, knowingly: its `LiveScriptContainer` buffers each WSGI response and inserts the script
  before every `</head>` in the body, whatever the content type (so a results.json holding that
  literal text would be altered in the preview, never in site/).

So `watch.SourceWatcher` watches the source folders through the operating system's
notifications (watchfiles), gives one batch per burst of saves, and the preview rebuilds and
tells every open page to reload through livereload's own `reload_waiters`, which has no 3-second
gate. Pages carry the build they show in a cookie; a page that connects after a newer build
finished (it was loading during the build) is told to reload at once. Builds and requests run
on the one Tornado thread, so a request never sees a half-published site. With
BULLETIN_TIMINGS=1 every rebuild prints when it was noticed, each step's seconds, and when the
pages were told (for bench/preview.py).
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import traceback
from datetime import datetime
from pathlib import Path

import click

from .preview_app import LOOPBACK, PreviewApp
from .preview_live import PreviewServer, Reloader
from .problems import BulletinError, Mark, Problem, Report
from .site import BuildResult, BuildState, build_site, check_output_folder, read_manifest
from .watch import SourceWatcher


class PreviewError(BulletinError):
    """The preview cannot start (port taken, unsuitable output folder)."""


# -- the preview site and its last build ---------------------------------------------------


class Preview:
    """The preview folder and the outcome of its last build, as every page shows it."""

    def __init__(self, root: Path, out: Path) -> None:
        self.root, self.out = root, out
        self.state = BuildState()
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.generation = 0  # counts builds
        self.run_id = secrets.token_hex(4)  # a page from an earlier run of the server is stale too

    @property
    def tag(self) -> str:
        """Which build the pages show now; each page keeps the tag it was served with in a cookie."""
        return f"{self.run_id}.{self.generation}"

    def build(self) -> BuildResult:
        """Rebuild with drafts, keeping the problems for the pages; never raise for bad data."""
        self.generation += 1
        try:
            result = build_site(
                self.root, self.out, drafts=True, state=self.state, allow_future=True
            )
        except Exception as exc:
            traceback.print_exc()
            self.state = BuildState()  # what the failed build cached may be incomplete
            report = Report()
            report.error(
                Mark("bulletin/site.py"),
                f"生成网站时程序出错（{type(exc).__name__}: {exc}）。请把终端窗口中的报错信息发给维护人员。",
            )
            result = BuildResult(report)
        problems = result.report.sorted()
        self.errors = [p for p in problems if p.severity == "error"]
        self.warnings = [p for p in problems if p.severity != "error"]
        return result

    def newest_year(self) -> str | None:
        """The newest year whose bulletin is in the preview, for links from the 404 page."""
        try:
            years = [p.name for p in self.out.iterdir() if re.fullmatch(r"[0-9]{4}", p.name)]
        except OSError:
            return None
        years = [y for y in years if (self.out / y / "index.html").is_file()]
        return max(years) if years else None


def report_build(preview: Preview, result: BuildResult, seconds: float, first: bool) -> None:
    """Tell the console what the build did: the errors as `check` prints them, or a summary."""
    stamp = datetime.now().strftime("%H:%M:%S")
    warned = (
        f"另有 {len(preview.warnings)} 条警告（运行 check 可查看）。" if preview.warnings else ""
    )
    if preview.errors:
        for problem in preview.errors:
            click.echo(str(problem), err=True)
        verb = "生成失败" if first else "重新生成失败"
        click.echo(
            f"[{stamp}] {verb}（{seconds:.2f} 秒）：发现 {len(preview.errors)} 个错误，已显示在每个预览页面上；"
            f"改正并保存后页面会自动刷新。{warned}"
        )
    elif first:
        click.echo(f"[{stamp}] {result.summary()}（{seconds:.2f} 秒）{warned}")
    else:
        click.echo(
            f"[{stamp}] 已重新生成（{seconds:.2f} 秒）：渲染 {result.rendered} 页，"
            f"更新 {result.written} 个文件，删除 {result.removed} 个。{warned}"
        )


# -- the server ----------------------------------------------------------------------------


def check_preview_folder(root: Path, out: Path) -> None:
    """Refuse an --out that is the public site or that a build could not safely replace."""
    site = (root / "site").resolve()
    if out == site or out.is_relative_to(site) or site.is_relative_to(out):
        raise PreviewError(
            f"预览包含草稿，不能生成到正式网站文件夹 site/ 里（--out {out}）。请换一个文件夹。"
        )
    report = Report()
    check_output_folder(root, out, read_manifest(out), report)
    if report.errors:
        raise PreviewError("\n".join(p.message for p in report.errors))


def address(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    return f"http://[{shown}]:{port}/" if ":" in shown else f"http://{shown}:{port}/"


def default_preview_folder(root: Path, port: int) -> Path:
    """A folder of this user's, outside the project, named after the project and the port.

    Not a fresh random temporary folder: a preview that is killed rather than stopped (its
    console window closed) cannot clean up, and copies of drafts would pile up. This one is
    emptied when the next preview of the project on that port starts, and removed on Ctrl+C.
    Per user: %TEMP% on Windows, ~/.cache elsewhere (/tmp is shared between users there).
    """
    if os.name == "nt":
        base = Path(tempfile.gettempdir())
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    key = hashlib.sha256(str(root).encode("utf-8")).hexdigest()[:12]
    return base / "bulletin-preview" / f"{key}-{port}"


def ensure_port_free(host: str, port: int) -> None:
    """Fail before the first build, which can take a while, if the address is taken."""
    try:
        family, kind, proto, _, where = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            if (
                os.name != "nt"
            ):  # as Tornado binds; on Windows the option would allow stealing the port
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(where)
    except OSError as exc:
        raise address_error(exc, host, port) from None


def address_error(exc: OSError, host: str, port: int) -> PreviewError:
    if exc.errno in (errno.EADDRINUSE, getattr(errno, "WSAEADDRINUSE", -1)):
        return PreviewError(
            f"端口 {port} 已被占用（也许预览已经在运行）。请关掉它，或换一个端口，例如：--port {port + 1}"
        )
    return PreviewError(f"无法在 {host}:{port} 上启动预览：{exc.strerror or exc}")


def serve(root: Path, host: str = "127.0.0.1", port: int = 8000, out: Path | None = None) -> None:
    """Build the preview with drafts, serve it, and keep it current until Ctrl+C."""
    ensure_port_free(host, port)
    folder = None  # ours to empty and remove; an --out folder is the user's and is kept
    if out is None:
        folder = default_preview_folder(root, port)
        try:
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
        except (OSError, RuntimeError):  # no usable home folder: a fresh temporary one
            folder = Path(tempfile.mkdtemp(prefix="bulletin-preview-"))
        out = folder / "site"
    else:
        out = out.resolve()
        check_preview_folder(root, out)
    try:
        run(root, host, port, out, keep=folder is None)
    except KeyboardInterrupt:
        pass  # Ctrl+C during the first build; once serving, livereload's serve() catches it
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)
    click.echo("预览已停止。")


def timings_line(result: BuildResult, **stamps: float) -> str:
    """One line for bench/preview.py: clock readings (time.perf_counter) and seconds per step."""
    readings = " ".join(f"{name.replace('_', '-')} {at:.6f}" for name, at in stamps.items())
    steps = " ".join(f"{step} {seconds:.3f}s" for step, seconds in result.timings.items())
    return f"preview-timings {readings} {steps}"


def run(root: Path, host: str, port: int, out: Path, keep: bool) -> None:
    preview = Preview(root, out)
    cookie = f"bulletin_preview_{port}"  # cookies ignore ports: one per server
    reloader = Reloader(preview, cookie)
    loopback = host in LOOPBACK or host.startswith("127.")
    timings = bool(os.environ.get("BULLETIN_TIMINGS"))

    def rebuild(changed: list[str], noticed_at: float) -> None:
        started = time.perf_counter()
        shown = "、".join(changed[:3]) + (f" 等 {len(changed)} 个文件" if len(changed) > 3 else "")
        click.echo(f"[{datetime.now():%H:%M:%S}] 有改动：{shown}")
        result = preview.build()
        built = time.perf_counter()
        reloader.reload_all()
        told = time.perf_counter()
        report_build(preview, result, built - started, first=False)
        if timings:
            stamps = {"noticed_at": noticed_at, "started_at": started, "built_at": built}
            click.echo(timings_line(result, **stamps, told_at=told), err=True)

    def listening() -> None:
        kept = "" if keep else "，退出时删除"
        click.echo(f"预览文件夹（含草稿，仅供本机查看{kept}）：{out}")
        click.echo(f"预览地址：{address(host, port)}  （用浏览器打开；按 Ctrl+C 停止）")
        if not loopback:
            click.echo(
                f"注意：--host {host} 使局域网中的其他电脑也能打开预览，包括尚未发布的草稿。"
            )

    watcher = SourceWatcher(root, rebuild)
    click.echo("正在生成预览网站（包括草稿年度）……")
    watcher.begin()  # before the first build: an edit made during it gives a rebuild
    try:
        started = time.perf_counter()
        result = preview.build()
        report_build(preview, result, time.perf_counter() - started, first=True)
        app = PreviewApp(preview, cookie, loopback_only=loopback)
        server = PreviewServer(app, watcher, reloader, listening)
        try:
            server.serve(port=port, host=host, live_css=False)
        except OSError as exc:  # taken after all, between the check and now
            raise address_error(exc, host, port) from None
    finally:
        watcher.stop()
