"""The preview's pages: files of the preview folder, the problems overlay, and who may ask.

Every address the preview answers, livereload's own (`/livereload.js`, `/forcereload`, the
WebSocket) as well as the site's, goes through `refusal`: the same Host and Origin rules.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Protocol
from urllib.parse import quote, urlsplit

from .problems import Problem

LOOPBACK = ("127.0.0.1", "localhost", "::1")
NOT_LOCAL = "预览只能在本机用 127.0.0.1 或 localhost 打开。"
OTHER_SITE = "预览只接受它自己页面发出的请求，不接受其他网站发出的请求。请直接用 127.0.0.1 打开。"


class ShownBuild(Protocol):
    """What the pages need of the preview: its folder and its last build's outcome."""

    out: Path
    errors: list[Problem]
    warnings: list[Problem]

    @property
    def tag(self) -> str: ...

    def newest_year(self) -> str | None: ...


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


def same_origin(origin: str, host_header: str) -> bool:
    """Whether an Origin header names the address the request was sent to."""
    try:
        parts = urlsplit(origin.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and parts.netloc.lower() == host_header.strip().lower()


def refusal(headers: Callable[[str], str | None], loopback_only: bool) -> str | None:
    """Why a request must be refused (a message for the person), or None to answer it.

    One rule for every address, the site's and livereload's: the Host must name this computer
    when serving on loopback (DNS rebinding would otherwise let any web page read drafts);
    a request that says it comes from a page (Origin) must come from one of the preview's own;
    and a browser's request that says it was made by another site (Sec-Fetch-Site) is refused.
    Tools that send neither header (curl, the tests' clients) are answered.
    """
    host = headers("Host") or ""
    if loopback_only and not is_loopback_name(host):
        return NOT_LOCAL
    origin = headers("Origin")
    if origin is not None and not same_origin(origin, host):
        return OTHER_SITE
    if (headers("Sec-Fetch-Site") or "").strip().lower() in ("cross-site", "same-site"):
        return OTHER_SITE
    return None


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


def wsgi_name(header: str) -> str:
    """The WSGI environ key of an HTTP request header."""
    return "HTTP_" + header.upper().replace("-", "_")


class PreviewApp:
    """A WSGI app: the files of the preview folder, with the problems overlay on every HTML page."""

    def __init__(self, preview: ShownBuild, cookie: str, loopback_only: bool) -> None:
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
        refused = refusal(lambda name: environ.get(wsgi_name(name)), self.loopback_only)
        if refused:
            return self.respond(start_response, method, "403 Forbidden", refused)
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
