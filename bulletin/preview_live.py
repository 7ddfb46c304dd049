"""Telling open pages to reload: livereload's script and WebSocket, behind the preview's rules.

livereload 2.7.1's `Server.application` mounts its own handlers for `/livereload` (the
WebSocket, whose `check_origin` accepts any site), `/livereload.js` and `/forcereload` ahead of
the WSGI app, so the app's Host check never saw them. `PreviewServer.application` mounts the
same handlers, each made to apply `refusal` first, the same rule as every page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from livereload import Server
from livereload.handlers import ForceReloadHandler, LiveReloadHandler, LiveReloadJSHandler
from livereload.server import LiveScriptContainer, LiveScriptInjector
from livereload.watcher import Watcher
from tornado import escape, web

from .preview_app import PreviewApp, ShownBuild, refusal

# livereload.js is loaded from the page's own host and port, as livereload's snippet does.
LIVE_SCRIPT = (
    '<script type="text/javascript">(function(){'
    'var s=document.createElement("script");'
    "var port=(window.location.port || (window.location.protocol == 'https:' ? 443: 80));"
    's.src="//"+window.location.hostname+":"+port'
    '+ "/livereload.js?port=" + port;'
    "document.head.appendChild(s);"
    "})();</script>"
)


class Guarded:
    """Mixed into a Tornado handler: refuse what `refusal` refuses, before anything else runs."""

    def initialize(self, loopback_only: bool) -> None:
        self.loopback_only = loopback_only

    def prepare(self) -> None:
        refused = refusal(self.request.headers.get, self.loopback_only)  # type: ignore[attr-defined]
        if refused:
            self.set_status(403)  # type: ignore[attr-defined]
            self.set_header("Content-Type", "text/plain; charset=utf-8")  # type: ignore[attr-defined]
            self.set_header("Cache-Control", "no-store")  # type: ignore[attr-defined]
            self.finish(refused)  # type: ignore[attr-defined]


class GuardedReloadSocket(Guarded, LiveReloadHandler):
    """livereload's WebSocket, accepting only the preview's own pages."""

    def initialize(  # type: ignore[override]
        self, loopback_only: bool, on_info: Callable[[LiveReloadHandler], None]
    ) -> None:
        self.loopback_only, self.on_info = loopback_only, on_info

    def check_origin(self, origin: str) -> bool:
        # prepare() has checked the Origin already; this is Tornado's own same-origin rule.
        return refusal(self.request.headers.get, self.loopback_only) is None

    def on_message(self, message: str | bytes) -> None:
        known = self in LiveReloadHandler.waiters
        super().on_message(message)  # the page's "info" makes it a waiter
        if not known and self in LiveReloadHandler.waiters:
            self.on_info(self)


class GuardedScript(Guarded, LiveReloadJSHandler):
    """livereload.js."""


class GuardedForceReload(Guarded, ForceReloadHandler):
    """livereload's /forcereload, which the site never uses but livereload offers."""


class Reloader:
    """Reloads open pages through livereload's WebSocket handler, including latecomers."""

    def __init__(self, preview: ShownBuild, cookie: str) -> None:
        self.preview, self.cookie = preview, cookie

    def reload_all(self) -> None:
        LiveReloadHandler.reload_waiters("*")

    def catch_up(self, waiter: LiveReloadHandler) -> None:
        """Reload a page, as it connects, whose cookie says it shows an older build.

        The page was loading while a build finished: too late for the build's reload message,
        too early for its content. Without a cookie nothing is done (no reload loop).
        """
        shown = waiter.request.cookies.get(self.cookie)
        if shown is not None and shown.value != self.preview.tag:
            try:
                waiter.write_message(
                    {"command": "reload", "path": "*", "liveCSS": False, "liveImg": False}
                )
            except Exception:  # closed meanwhile
                LiveReloadHandler.waiters.discard(waiter)


class PreviewServer(Server):
    """livereload's Server, quiet (its log is English and chatty) and saying where it listens."""

    def __init__(
        self,
        app: PreviewApp,
        watcher: Watcher,
        reloader: Reloader,
        on_listening: Callable[[], None],
    ) -> None:
        super().__init__(app, watcher)
        self.reloader, self.on_listening = reloader, on_listening
        self.loopback_only = app.loopback_only

    def _setup_logging(self) -> None:  # livereload 2.7.1 sets its logger to INFO here
        logging.getLogger("livereload").setLevel(logging.WARNING)
        # 404s and 503s are normal here
        logging.getLogger("tornado.access").setLevel(logging.CRITICAL)

    def application(self, port: int, host: str, liveport=None, debug=None, live_css=True) -> None:
        """Mount livereload's handlers, guarded, and the site; bind the port or raise OSError."""
        LiveReloadHandler.watcher = self.watcher
        LiveReloadHandler.live_css = live_css
        rules = {"loopback_only": self.loopback_only}
        script = escape.utf8(LIVE_SCRIPT)

        class Injector(LiveScriptInjector):
            pass

        Injector.script = script
        app = web.Application(
            handlers=[
                (r"/livereload", GuardedReloadSocket, {**rules, "on_info": self.reloader.catch_up}),
                (r"/forcereload", GuardedForceReload, rules),
                (r"/livereload.js", GuardedScript, rules),
                (r".*", web.FallbackHandler, {"fallback": LiveScriptContainer(self.app, script)}),
            ],
            debug=False,  # Tornado's autoreload would re-execute the process on any module change
            transforms=[Injector],
        )
        app.listen(port, address=host)
        self.on_listening()
