"""Live preview: build with drafts into a private folder, serve it, rebuild and reload on change.

The browser side is livereload's (its livereload.js and WebSocket handler, hosted by its
`Server`). Its watching is not used, because what livereload 2.7.1 does by default is wrong
for a build that reads a whole tree (read in server.py, watcher.py, handlers.py):

- `Server.serve()` turns on Tornado's debug mode whenever a WSGI app is given: autoreload then
  re-executes the whole process when any imported Python module changes. We pass debug=False.
- Without pyinotify, `Watcher` is polled every 800 ms (a fixed `PeriodicCallback`). Each poll
  walks the watched folders and stops at the *first* changed file, runs the task, and leaves
  the other changed files for the following polls: a "save all" or `git checkout` of N files
  gives up to N rebuilds, 800 ms apart.
- `LiveReloadHandler.poll_tasks` then drops the browser reload ("Ignore: …" in its log) when the
  last reload was less than 3 s ago (`DEFAULT_RELOAD_TIME`; at least 1 s with a `delay`), but
  the task has already run: of two edits a second apart the second is built and never shown.
- A new file counts as changed only if its mtime is later than the watcher's start, so a file
  restored with its old time (unzip, `cp -p`, `git stash pop` of an added file) is missed; and
  if no tasks are registered it watches the current directory, output folder included.
- With no browser connected, changes are examined (and tasks run) but nothing is queued: a page
  opened a moment later is not told about a build that finished while it was loading.
- Kept, knowingly: its `LiveScriptContainer` buffers each WSGI response and inserts the script
  before every `</head>` in the body, whatever the content type (so a results.json holding that
  literal text would be altered in the preview, never in site/); `/livereload`, `/livereload.js`
  and `/forcereload` are its addresses, which the site never uses.

So `SourceWatcher` replaces the polling: it scans (mtime, size, inode) of every file under the
project's source folders, waits until nothing has changed for QUIET_SECONDS (one rebuild per
burst of saves), rebuilds, and tells every open page to reload through livereload's own
`reload_waiters`, which has no 3-second gate. Pages carry the build they show in a cookie; a
page that connects after a newer build finished (it was loading during the build) is told to
reload at once. Builds and requests run on the one Tornado thread, so a request never sees a
half-published site.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
import shutil
import socket
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from urllib.parse import quote

import click
from livereload import Server
from livereload.handlers import LiveReloadHandler
from livereload.watcher import Watcher
from tornado.ioloop import PeriodicCallback

from .problems import BulletinError, Mark, Problem, Report
from .site import BuildResult, BuildState, build_site, check_output_folder, read_manifest

WATCHED = ("content", "rubrics", "scores", "theme", "archive")  # what the build reads
POLL_SECONDS = 0.1  # look at the source folders this often (less often on very large projects)
SCAN_SHARE = 0.1  # ... so that scanning takes at most about this share of one CPU
QUIET_SECONDS = 0.2  # rebuild once nothing has changed for this long: one build per "save all"
MAX_WAIT_SECONDS = 2.0  # but rebuild at the latest this long after a burst began
LOOPBACK = ("127.0.0.1", "localhost", "::1")

Snapshot = dict[str, tuple[int, int, int]]


class PreviewError(BulletinError):
    """The preview cannot start (port taken, unsuitable output folder)."""


# -- watching the sources ------------------------------------------------------------------


def is_editor_litter(name: str) -> bool:
    """Files that editors write beside the one being saved and that the build never reads."""
    return (
        name == "4913"
        or name.startswith((".#", "~$"))
        or name.endswith(("~", ".swp", ".swo", ".swx", ".tmp"))
    )


def snapshot(root: Path, folders: Iterable[str] = WATCHED) -> Snapshot:
    """Each source file's (mtime, size, inode) by its path relative to the project root."""
    found: Snapshot = {}
    stack = [(root / name, name) for name in folders]
    while stack:
        folder, rel = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:  # missing, or removed while we looked
            continue
        for entry in entries:
            name = entry.name
            try:
                if entry.is_dir():
                    if not name.startswith(".") and name != "__pycache__":
                        stack.append((Path(entry.path), f"{rel}/{name}"))
                elif not is_editor_litter(name):
                    st = entry.stat()
                    # Size and inode as well as mtime: a same-second rewrite on a file system
                    # with coarse times usually changes one, an editor's save-by-rename the other.
                    found[f"{rel}/{name}"] = (st.st_mtime_ns, st.st_size, st.st_ino)
            except OSError:
                continue
    return found


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    """Files added, removed or modified between two snapshots."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


class SourceWatcher(Watcher):
    """Polls the source folders and calls `on_settled(changed)` once per burst of changes.

    Given to livereload's Server as its watcher: `start()` returning True tells livereload not
    to start its own 800 ms poller, and `examine()` is inert in case anything calls it.
    """

    def __init__(
        self, root: Path, on_settled: Callable[[list[str]], None], on_tick: Callable[[], None]
    ) -> None:
        super().__init__()
        self.root = root
        self.on_settled, self.on_tick = on_settled, on_tick
        self.built: Snapshot = {}  # what the last build read
        self.seen: Snapshot = {}  # what the last scan found
        self.burst_start = self.last_change = self.next_scan = 0.0
        for name in WATCHED:  # livereload watches the current directory if it finds no tasks
            self.watch(str(root / name))

    def take_snapshot(self) -> None:
        """Record the sources as they are now, just before the first build reads them."""
        self.built = self.seen = snapshot(self.root)

    def start(self, callback: Callable[[], None]) -> bool:
        PeriodicCallback(self.tick, POLL_SECONDS * 1000).start()
        return True

    def examine(self) -> tuple[None, None]:
        return None, None

    def tick(self) -> None:
        self.on_tick()
        now = time.monotonic()
        if now < self.next_scan:
            return
        started = time.perf_counter()
        current = snapshot(self.root)
        self.next_scan = now + (time.perf_counter() - started) / SCAN_SHARE
        if current != self.seen:
            if self.seen == self.built:
                self.burst_start = now
            self.seen, self.last_change = current, now
        if self.seen == self.built:
            return
        if now - self.last_change < QUIET_SECONDS and now - self.burst_start < MAX_WAIT_SECONDS:
            return
        # Whatever changes while the build runs differs from `built` and gives another build.
        changed = changed_paths(self.built, self.seen)
        self.built = self.seen
        self.on_settled(changed)


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
            result = build_site(self.root, self.out, drafts=True, state=self.state, allow_future=True)
        except Exception as exc:  # noqa: BLE001 - a bug or a full disk must not stop the preview
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


# -- the pages: files of the preview folder, plus the problems overlay --------------------


@dataclass(frozen=True)
class Redirect:
    location: str


CONTENT_TYPES = {  # fixed here: mimetypes reads the Windows registry, which can say text/plain
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".pdf": "application/pdf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
}


def locate(out: Path, url_path: str) -> Path | Redirect | None:
    """The file a URL path names inside `out`, a redirect for a folder without its slash, or None.

    Only plain names pass: no `..`, no hidden names, no drive letters or streams (`C:`, `a:b`),
    no NUL; a backslash counts as a separator. Whatever links say, the file must lie in `out`.
    Folders are never listed: a folder is its index.html or nothing.
    """
    names = [n for n in url_path.replace("\\", "/").split("/") if n not in ("", ".")]
    if any(n.startswith(".") or ":" in n or "\x00" in n for n in names):
        return None
    base = out.resolve()
    try:
        target = base.joinpath(*names).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not target.is_relative_to(base):
        return None
    if target.is_dir():
        if names and not url_path.endswith("/"):
            # Relative links (../static/style.css) only work from the folder's own address.
            return Redirect("/" + quote("/".join(names)) + "/")
        target = target / "index.html"
    return target if target.is_file() else None


def is_loopback_name(host_header: str) -> bool:
    """Whether a Host header names this computer (guards drafts against DNS rebinding)."""
    host = host_header.strip().lower()
    host = host[1 : host.find("]")] if host.startswith("[") else host.rsplit(":", 1)[0]
    return host in LOOPBACK


OVERLAY_STYLE = """\
#bulletin-problems{position:fixed;inset:0;z-index:2147483647;overflow:auto;box-sizing:border-box;
padding:12px;background:rgba(60,0,0,.6);-webkit-text-size-adjust:100%;text-align:left;
font:16px/1.6 system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif}
#bulletin-problems .panel{box-sizing:border-box;max-width:60rem;margin:0 auto;padding:16px 20px;
background:#fff;color:#1a1a1a;border-top:6px solid #c00;border-radius:6px;box-shadow:0 4px 24px #0006}
#bulletin-problems h2{margin:0 0 .4em;color:#b00000;font-size:1.3em;line-height:1.3}
#bulletin-problems p{margin:.4em 0}
#bulletin-problems ol{margin:.6em 0;padding-left:1.6em}
#bulletin-problems li{margin:.5em 0;overflow-wrap:anywhere;word-break:break-word}
#bulletin-problems code{font-family:ui-monospace,Consolas,"Courier New",monospace;font-size:.95em;
color:#8a0000;background:#fdecea;padding:0 .25em;border-radius:3px}
#bulletin-problems details{margin-top:.8em;color:#555}
#bulletin-problems button{font:inherit;min-height:44px;padding:.3em 1.2em;margin-top:.6em;cursor:pointer}
@media (max-width:480px){#bulletin-problems{padding:6px}#bulletin-problems .panel{padding:12px}
#bulletin-problems ol{padding-left:1.3em}#bulletin-problems code{font-size:.8em;padding:0}}
"""


def problem_items(problems: list[Problem]) -> str:
    return "".join(
        f"<li><code>{escape(str(p.mark))}</code>: {escape(p.message)}</li>" for p in problems
    )


def overlay_html(errors: list[Problem], warnings: list[Problem]) -> str:
    """The panel over every page while the data has errors: each as `path:line:col: message`."""
    notes = ""
    if warnings:
        notes = f"<details><summary>另有 {len(warnings)} 条警告（不影响生成）</summary><ol>{problem_items(warnings)}</ol></details>"
    return (
        f'<div id="bulletin-problems" role="alertdialog" aria-labelledby="bulletin-problems-title">'
        f'<style>{OVERLAY_STYLE}</style><div class="panel">'
        f'<h2 id="bulletin-problems-title">数据有错误，预览网站没有更新</h2>'
        f"<p>共 {len(errors)} 个错误。每一行依次是：<strong>文件:行:列</strong>: 问题说明。"
        f"请打开该文件，改正后保存，本页会自动刷新。</p>"
        f"<ol>{problem_items(errors)}</ol>"
        f"<p>在改好之前，页面显示的仍是上一次正确生成的内容（如果有）。</p>{notes}"
        f'<button type="button" onclick="this.closest(\'#bulletin-problems\').remove()">暂时隐藏</button>'
        f"</div></div>"
    )


def not_found_html(path: str, newest: str | None) -> str:
    """A 404 page in the staff's terms, with a way back to the newest bulletin."""
    if newest:
        advice = (
            f"<p>地址可能输错了，或者这个页面在最近一次改动后已经不存在（例如单位编号改了）。</p>"
            f'<p><a href="/{newest}/">查看{newest}年度考核结果通报</a> · <a href="/">全部年度</a></p>'
        )
    else:
        advice = "<p>预览网站还没有生成成功：请先改正数据中的错误，改好并保存后本页会自动刷新。</p>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>找不到这个页面 - 预览</title>"
        "<style>body{font:16px/1.7 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}"
        "code{overflow-wrap:anywhere}</style></head>"
        f"<body><h1>找不到这个页面</h1><p>预览网站中没有 <code>{escape(path)}</code>。</p>{advice}</body></html>"
    )


BODY_OPEN = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)


class PreviewApp:
    """A WSGI app: the files of the preview folder, with the problems overlay on every HTML page."""

    def __init__(self, preview: Preview, cookie: str, loopback_only: bool) -> None:
        self.preview, self.cookie = preview, cookie
        self.loopback_only = loopback_only

    def __call__(self, environ: dict, start_response: Callable) -> list[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self.respond(
                start_response,
                method,
                "405 Method Not Allowed",
                "只能查看页面。",
                [("Allow", "GET, HEAD")],
            )
        if self.loopback_only and not is_loopback_name(environ.get("HTTP_HOST", "")):
            return self.respond(
                start_response,
                method,
                "403 Forbidden",
                "预览只能在本机用 127.0.0.1 或 localhost 打开。",
            )
        # PEP 3333: PATH_INFO is the percent-decoded bytes as latin-1; our paths are UTF-8.
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        found = locate(self.preview.out, path)
        if isinstance(found, Redirect):
            return self.respond(
                start_response, method, "301 Moved Permanently", "", [("Location", found.location)]
            )
        if found is None:
            newest = self.preview.newest_year()
            status = (
                "404 Not Found" if newest or not self.preview.errors else "503 Service Unavailable"
            )
            body, content_type = (
                not_found_html(path, newest).encode("utf-8"),
                CONTENT_TYPES[".html"],
            )
        else:
            status, body = "200 OK", found.read_bytes()
            content_type = CONTENT_TYPES.get(found.suffix.lower(), "application/octet-stream")
        headers = [
            ("Content-Type", content_type),
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
        ]
        if content_type.startswith("text/html"):
            body = self.decorate(body)
            headers.append(
                ("Set-Cookie", f"{self.cookie}={self.preview.tag}; Path=/; SameSite=Strict")
            )
        start_response(status, headers)
        return [b"" if method == "HEAD" else body]

    def decorate(self, page: bytes) -> bytes:
        """Put the overlay right after <body>, so it is also first for screen readers."""
        if not self.preview.errors:
            return page
        overlay = overlay_html(self.preview.errors, self.preview.warnings).encode("utf-8")
        match = BODY_OPEN.search(page)
        at = match.end() if match else 0
        return page[:at] + overlay + page[at:]

    @staticmethod
    def respond(
        start_response: Callable, method: str, status: str, text: str, extra: Iterable = ()
    ) -> list[bytes]:
        start_response(
            status,
            [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store"), *extra],
        )
        return [b"" if method == "HEAD" else text.encode("utf-8")]


# -- telling open pages to reload ------------------------------------------------------------


class Reloader:
    """Reloads open pages through livereload's WebSocket handler, including latecomers."""

    def __init__(self, preview: Preview, cookie: str) -> None:
        self.preview, self.cookie = preview, cookie
        self.known: set = set()

    def reload_all(self) -> None:
        LiveReloadHandler.reload_waiters("*")
        self.known = set(LiveReloadHandler.waiters)

    def catch_up(self) -> None:
        """Reload a newly connected page whose cookie says it shows an older build.

        The page was loading while a build finished: too late for the build's reload message,
        too early for its content. Without a cookie nothing is done (no reload loop).
        """
        waiters = set(LiveReloadHandler.waiters)
        for waiter in waiters - self.known:
            shown = waiter.request.cookies.get(self.cookie)
            if shown is not None and shown.value != self.preview.tag:
                try:
                    waiter.write_message(
                        {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
                    )
                except Exception:  # closed meanwhile  # noqa: BLE001
                    waiters.discard(waiter)
        self.known = waiters


# -- the server ----------------------------------------------------------------------------


class PreviewServer(Server):
    """livereload's Server, quiet (its log is English and chatty) and saying where it listens."""

    def __init__(
        self, app: PreviewApp, watcher: SourceWatcher, on_listening: Callable[[], None]
    ) -> None:
        super().__init__(app, watcher)
        self.on_listening = on_listening

    def _setup_logging(self) -> None:  # livereload 2.7.1 sets its logger to INFO here
        logging.getLogger("livereload").setLevel(logging.WARNING)
        logging.getLogger("tornado.access").setLevel(
            logging.CRITICAL
        )  # 404s and 503s are normal here

    def application(self, *args, **kwargs) -> None:  # livereload's signature
        super().application(*args, **kwargs)  # binds the port, or raises OSError
        self.on_listening()


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


def run(root: Path, host: str, port: int, out: Path, keep: bool) -> None:
    preview = Preview(root, out)
    cookie = f"bulletin_preview_{port}"  # cookies ignore ports: one per server
    reloader = Reloader(preview, cookie)
    loopback = host in LOOPBACK or host.startswith("127.")

    def rebuild(changed: list[str]) -> None:
        shown = "、".join(changed[:3]) + (f" 等 {len(changed)} 个文件" if len(changed) > 3 else "")
        click.echo(f"[{datetime.now():%H:%M:%S}] 有改动：{shown}")
        started = time.perf_counter()
        result = preview.build()
        report_build(preview, result, time.perf_counter() - started, first=False)
        reloader.reload_all()

    def listening() -> None:
        kept = "" if keep else "，退出时删除"
        click.echo(f"预览文件夹（含草稿，仅供本机查看{kept}）：{out}")
        click.echo(f"预览地址：{address(host, port)}  （用浏览器打开；按 Ctrl+C 停止）")
        if not loopback:
            click.echo(
                f"注意：--host {host} 使局域网中的其他电脑也能打开预览，包括尚未发布的草稿。"
            )

    watcher = SourceWatcher(root, rebuild, reloader.catch_up)
    click.echo("正在生成预览网站（包括草稿年度）……")
    watcher.take_snapshot()
    started = time.perf_counter()
    result = preview.build()
    report_build(preview, result, time.perf_counter() - started, first=True)
    server = PreviewServer(PreviewApp(preview, cookie, loopback_only=loopback), watcher, listening)
    try:
        # debug=False: livereload would turn on Tornado's autoreload for a WSGI app.
        server.serve(port=port, host=host, debug=False, live_css=False)
    except OSError as exc:  # taken after all, between the check and now
        raise address_error(exc, host, port) from None
