"""The live preview end to end: the real `build.py serve` in a subprocess, over HTTP, and in a browser."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pytest
from conftest import REPO, ProjectDir
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.websocket import websocket_connect

UNIT_PAGE = "/2014/units/pingding/"
SCORES = "scores/2014/pingding.yaml"
SECRET = "this file must never be served"
REBUILD = "有改动："  # the console line that starts every rebuild
OVERLAY = 'id="bulletin-problems"'


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class PreviewProcess:
    """`python build.py serve` running on a project, with its console output in a file."""

    proc: subprocess.Popen
    port: int
    log: Path
    root: Path  # the project

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def get(
        self, path: str, headers: dict[str, str] | None = None, method: str = "GET"
    ) -> Response:
        """One request with the path sent exactly as written (no normalising of `..`)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, headers=headers or {})
            response = conn.getresponse()
            return Response(response.status, response.headers, response.read())
        finally:
            conn.close()

    def wait_for(
        self, path: str, predicate: Callable[[Response], bool], what: str, timeout: float = 20
    ) -> Response:
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(path)
            if predicate(response):
                return response
            if time.monotonic() > deadline:
                pytest.fail(
                    f"timed out waiting for {what} at {path}\n--- server output ---\n{self.output()}"
                )
            time.sleep(0.05)

    def wait_for_output(
        self, predicate: Callable[[str], bool], what: str, timeout: float = 20
    ) -> str:
        deadline = time.monotonic() + timeout
        while not predicate(text := self.output()):
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n--- server output ---\n{text}")
            time.sleep(0.05)
        return text

    def interrupt(self) -> None:
        """Press Ctrl+C (POSIX only: on Windows it would reach the whole console, pytest too)."""
        self.proc.send_signal(signal.SIGINT)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.interrupt() if os.name != "nt" else self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_preview(root: Path, *args: str, timeout: float = 60) -> PreviewProcess:
    """Start the preview on a free port and wait until it answers."""
    env = {
        **os.environ,
        "BULLETIN_ROOT": str(root),
        "PYTHONIOENCODING": "utf-8",
        "PYTHONUNBUFFERED": "1",
    }
    for _ in range(3):  # another process may take the free port before the server binds it
        port = free_port()
        log = root.parent / f"serve-{port}.log"
        with log.open("wb") as sink:
            proc = subprocess.Popen(
                [sys.executable, str(REPO / "build.py"), "serve", "--port", str(port), *args],
                stdout=sink,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=root,
            )
        server = PreviewProcess(proc, port, log, root)
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                server.get("/")
                return server
            except OSError:
                time.sleep(0.05)
        server.stop()
        if "已被占用" not in server.output():
            break
    pytest.fail(f"the preview did not start\n--- server output ---\n{server.output()}")


class LiveClient:
    """What livereload.js does in a page: connect, shake hands, then collect the server's commands."""

    def __init__(self, port: int, cookie: str | None = None) -> None:
        self.commands: queue.Queue[dict] = queue.Queue()
        self.connected = threading.Event()
        self.error: BaseException | None = None
        request = HTTPRequest(
            f"ws://127.0.0.1:{port}/livereload", headers={"Cookie": cookie} if cookie else {}
        )
        self.thread = threading.Thread(
            target=asyncio.run, args=(self._run(request, port),), daemon=True
        )
        self.thread.start()
        assert self.connected.wait(15), "no connection to the livereload WebSocket"
        if self.error:
            raise self.error

    async def _run(self, request: HTTPRequest, port: int) -> None:
        try:
            self.conn = await websocket_connect(request)
            hello = {
                "command": "hello",
                "protocols": ["http://livereload.com/protocols/official-7"],
            }
            await self.conn.write_message(json.dumps(hello))
            assert json.loads(await self.conn.read_message())["command"] == "hello"
            info = {"command": "info", "url": f"http://127.0.0.1:{port}{UNIT_PAGE}", "plugins": {}}
            await self.conn.write_message(json.dumps(info))
            self.loop = asyncio.get_running_loop()
        except BaseException as exc:
            self.error = exc
            return
        finally:
            self.connected.set()
        while (message := await self.conn.read_message()) is not None:
            self.commands.put(json.loads(message))

    def next_command(self, timeout: float) -> dict | None:
        """The next command from the server, or None if none comes within `timeout` seconds."""
        try:
            return self.commands.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.conn.close)
        self.thread.join(5)


def edit_plan(project: ProjectDir, value: str) -> None:
    """Set pingding's `plan` score (line 4 of its score file) to `value`, as an editor saves it."""
    text = re.sub(r"(?m)^  plan: .*$", f"  plan: {value}", project.read(SCORES), count=1)
    project.write(SCORES, text)


def cookie_of(response: Response) -> str:
    return response.headers["Set-Cookie"].split(";")[0]


# -- one preview for the tests that only read ------------------------------------------------


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory, full_sample: Path) -> Iterator[PreviewProcess]:
    """The sample with 2015 made a draft, previewed into <project>/preview; secrets around it."""
    root = tmp_path_factory.mktemp("serve") / "project"
    shutil.copytree(full_sample, root)
    year = root / "content" / "2015" / "year.yaml"
    year.write_text(
        re.sub(r"(?m)^status: \w+", "status: draft", year.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    # What a path escaping the preview folder would reach: the project's files and its parent's.
    (root / "pyproject.toml").write_text(SECRET, encoding="utf-8")
    (root.parent / "secret.txt").write_text(SECRET, encoding="utf-8")
    server = start_preview(root, "--out", str(root / "preview"))
    yield server
    server.stop()


def test_serves_the_site_with_drafts_and_never_the_public_folder(shared: PreviewProcess) -> None:
    home = shared.get("/")
    assert home.status == 200
    assert home.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "/livereload.js" in home.text  # livereload's script is in every page
    draft = shared.get("/2015/")
    assert draft.status == 200 and "草稿" in draft.text
    assert shared.get("/2014/index.html").body == shared.get("/2014/").body
    folder = shared.get("/2014")  # relative links need the slash: redirect rather than serve
    assert folder.status == 301 and folder.headers["Location"] == "/2014/"
    assert not (shared.root / "site").exists()
    assert (shared.root / "preview" / "2015" / "index.html").is_file()


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/2014/units/pingding/", "text/html; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/2014/results.json", "application/json"),
        ("/2014/results.csv", "text/csv; charset=utf-8"),
    ],
)
def test_content_types(shared: PreviewProcess, path: str, content_type: str) -> None:
    response = shared.get(path)
    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["Cache-Control"] == "no-store"


def test_json_and_csv_are_served_byte_for_byte(shared: PreviewProcess) -> None:
    out = shared.root / "preview"
    assert shared.get("/2014/results.json").body == (out / "2014" / "results.json").read_bytes()
    assert shared.get("/2014/results.csv").body == (out / "2014" / "results.csv").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/%2e%2e/pyproject.toml",
        "/%2E%2E/pyproject.toml",
        "/.%2e/pyproject.toml",
        "/..%2fpyproject.toml",
        "/..%5cpyproject.toml",
        "/..\\pyproject.toml",
        "/2014/../../pyproject.toml",
        "/2014/%2e%2e/%2e%2e/pyproject.toml",
        "/static/..%5c..%5cpyproject.toml",
        "/../../secret.txt",
        "/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/%252e%252e/pyproject.toml",
        "/pyproject.toml%00.html",
        "/C:/Windows/win.ini",
        "/.preview.manifest.json",
    ],
)
def test_nothing_outside_the_preview_folder_is_served(shared: PreviewProcess, path: str) -> None:
    response = shared.get(path)
    assert response.status in (400, 403, 404), (path, response.status)
    assert SECRET not in response.text


@pytest.mark.parametrize("path", ["/2014/rubrics/", "/static/"])  # folders without index.html
def test_folders_are_never_listed(shared: PreviewProcess, path: str) -> None:
    response = shared.get(path)
    assert response.status == 404
    assert "county" not in response.text and "style.css" not in response.text


def test_head_and_other_methods(shared: PreviewProcess) -> None:
    head = shared.get("/2014/", method="HEAD")
    assert head.status == 200 and head.body == b""
    assert head.headers["Content-Type"] == "text/html; charset=utf-8"
    assert shared.get("/2014/", method="POST").status == 405


def test_other_host_names_are_refused(shared: PreviewProcess) -> None:
    """A page of another site cannot read drafts by pointing its own name at 127.0.0.1."""
    assert shared.get("/", headers={"Host": "attacker.example"}).status == 403
    assert shared.get("/", headers={"Host": f"localhost:{shared.port}"}).status == 200


def test_missing_page_explains_and_links_to_the_newest_bulletin(shared: PreviewProcess) -> None:
    response = shared.get("/2014/units/nobody/")
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "找不到这个页面" in response.text
    newest = max(p.name for p in (shared.root / "content").iterdir() if p.name.isdigit())
    assert f'href="/{newest}/"' in response.text
    assert "/livereload.js" in response.text  # reloads too, e.g. once the page exists
    odd = shared.get("/%3Cscript%3Ealert(1)%3C/script%3E")
    assert odd.status == 404
    assert "&lt;script&gt;alert(1)" in odd.text and "<script>alert" not in odd.text


# -- editing while the preview runs ----------------------------------------------------------


@pytest.fixture
def preview(site_project: ProjectDir) -> Iterator[PreviewProcess]:
    """The preview of a private copy of the sample, in its default temporary folder."""
    server = start_preview(site_project.root)
    yield server
    server.stop()


def test_writes_nothing_into_the_project(site_project: ProjectDir, preview: PreviewProcess) -> None:
    assert sorted(p.name for p in site_project.root.iterdir()) == [
        "content",
        "rubrics",
        "scores",
        "theme",
    ]


def test_an_edit_appears_and_a_mistake_is_shown_on_every_page_until_fixed(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    assert "3.25" not in preview.get(UNIT_PAGE).text
    edit_plan(site_project, "3.25")
    preview.wait_for(UNIT_PAGE, lambda r: "3.25" in r.text, "the edited score")

    edit_plan(site_project, "<b>五分</b>")
    mark = site_project.locate(SCORES, "plan: <b>五分</b>", "<b>")
    page = preview.wait_for(UNIT_PAGE, lambda r: OVERLAY in r.text, "the problems overlay")
    assert f"<code>{mark}</code>: " in page.text
    assert "&lt;b&gt;五分&lt;/b&gt;" in page.text and "<b>五分</b>" not in page.text
    assert "3.25" in page.text  # the last good site stays under the overlay
    # The same problems `check` prints, line for line.
    check = site_project.check()
    assert check.errors
    for line in check.errors:
        where, message = line.split(": error: ", 1)
        assert f"<code>{escape(where)}</code>: {escape(message)}</li>" in page.text
    assert f"{mark}: error: " in preview.output()  # and the console says it too
    for other in ("/", "/2014/", "/no/such/page/"):
        assert f"<code>{mark}</code>" in preview.get(other).text, other

    edit_plan(site_project, "2.75")
    page = preview.wait_for(
        UNIT_PAGE, lambda r: OVERLAY not in r.text and "2.75" in r.text, "the fixed site"
    )
    assert OVERLAY not in preview.get("/").text


def test_a_preview_started_on_broken_data_shows_the_problems_then_the_site(
    site_project: ProjectDir,
) -> None:
    edit_plan(site_project, "五分")
    mark = site_project.locate(SCORES, "plan: 五分", "五分")
    server = start_preview(site_project.root)
    try:
        home = server.get("/")
        assert home.status == 503  # nothing built yet: not a missing page
        assert OVERLAY in home.text and f"<code>{mark}</code>: " in home.text
        assert "/livereload.js" in home.text
        edit_plan(site_project, "2.75")
        server.wait_for(
            "/", lambda r: r.status == 200 and OVERLAY not in r.text, "the site once fixed"
        )
    finally:
        server.stop()


def test_a_template_mistake_is_shown_with_its_file_and_line(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    template = "theme/templates/unit.html"
    original = site_project.read(template)
    site_project.write(
        template, original.replace("{% block main %}", "{% block main %}{{ no_such_thing.x }}", 1)
    )
    page = preview.wait_for(UNIT_PAGE, lambda r: OVERLAY in r.text, "the template problem")
    assert re.search(rf"<code>{re.escape(template)}:\d+:\d+</code>: 模板错误", page.text), page.text
    site_project.write(template, original)
    preview.wait_for(UNIT_PAGE, lambda r: OVERLAY not in r.text, "the fixed template")


def test_save_all_gives_one_rebuild_and_edits_a_second_apart_each_reload_the_page(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    client = LiveClient(preview.port)
    try:
        # "Save all" / git checkout: eight files written over about 120 ms.
        files = sorted((site_project.root / "scores" / "2014").glob("*.yaml"))[:8]
        for path in files:
            path.write_text(path.read_text(encoding="utf-8") + "# 已复核\n", encoding="utf-8")
            time.sleep(0.015)
        assert client.next_command(timeout=15)["command"] == "reload"
        assert client.next_command(timeout=1.0) is None  # no second build, no second reload
        assert preview.output().count(REBUILD) == 1, preview.output()
        assert "等 8 个文件" in preview.output()

        # livereload alone would build the second edit but drop its reload (3 s gate).
        first = time.monotonic()
        edit_plan(site_project, "3.25")
        assert client.next_command(timeout=15)["command"] == "reload"
        time.sleep(max(0.0, first + 1.0 - time.monotonic()))
        edit_plan(site_project, "2.75")
        assert client.next_command(timeout=15)["command"] == "reload"
        assert "2.75" in preview.get(UNIT_PAGE).text
        assert preview.output().count(REBUILD) == 3
    finally:
        client.close()


def test_a_file_in_a_new_folder_is_seen(site_project: ProjectDir, preview: PreviewProcess) -> None:
    """A folder created while watching is watched too: the file written into it at once counts."""
    assert preview.get("/static/extra/note.txt").status == 404
    folder = site_project.root / "theme" / "static" / "extra"
    folder.mkdir()
    (folder / "note.txt").write_text("第一版", encoding="utf-8")
    preview.wait_for("/static/extra/note.txt", lambda r: r.text == "第一版", "the new file")
    time.sleep(0.3)  # later, on its own: the new folder's own watch must see it
    (folder / "note.txt").write_text("第二版", encoding="utf-8")
    preview.wait_for("/static/extra/note.txt", lambda r: r.text == "第二版", "the edited file")
    assert "Traceback" not in preview.output()


def test_a_replaced_source_folder_is_watched_again(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    """A tool that swaps a whole folder (sync, unzip over, `git stash`) loses no later edit."""
    scores = site_project.root / "scores"
    shutil.copytree(scores, site_project.root / "scores-new")
    shutil.rmtree(scores)
    (site_project.root / "scores-new").rename(scores)
    edit_plan(site_project, "3.25")
    preview.wait_for(UNIT_PAGE, lambda r: "3.25" in r.text, "the score edited after the swap")
    time.sleep(0.3)
    edit_plan(site_project, "2.75")
    preview.wait_for(UNIT_PAGE, lambda r: "2.75" in r.text, "the next edit")
    assert "Traceback" not in preview.output()


def test_editor_litter_and_hidden_files_give_no_rebuild(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    for name in (".pingding.yaml.swp", "pingding.yaml~", "4913", ".hidden.yaml"):
        site_project.write(f"scores/2014/{name}", "x")
    site_project.write("theme/.cache/x.txt", "x")
    time.sleep(1.0)
    assert REBUILD not in preview.output()
    edit_plan(site_project, "3.25")
    preview.wait_for_output(lambda text: REBUILD in text, "the rebuild of a real edit")
    line = next(x for x in preview.output().splitlines() if REBUILD in x)
    assert line.endswith(f"有改动：{SCORES}"), line


def test_a_page_that_was_loading_during_a_build_reloads_when_it_connects(
    site_project: ProjectDir, preview: PreviewProcess
) -> None:
    stale = cookie_of(preview.get(UNIT_PAGE))
    edit_plan(site_project, "3.25")
    fresh = cookie_of(preview.wait_for(UNIT_PAGE, lambda r: "3.25" in r.text, "the edited score"))
    assert fresh != stale
    late = LiveClient(preview.port, stale)
    current = LiveClient(preview.port, fresh)
    try:
        assert late.next_command(timeout=5)["command"] == "reload"
        assert current.next_command(timeout=0.5) is None
    finally:
        late.close()
        current.close()


@pytest.mark.skipif(os.name == "nt", reason="Ctrl+C cannot be sent to one child process on Windows")
def test_ctrl_c_stops_cleanly_and_removes_the_preview_folder(preview: PreviewProcess) -> None:
    folder = re.search(r"预览文件夹[^：]*：(.+)", preview.output()).group(1).strip()
    assert Path(folder).is_dir()
    preview.interrupt()
    assert preview.proc.wait(timeout=15) == 0
    output = preview.output()
    assert output.rstrip().endswith("预览已停止。")
    assert "Traceback" not in output
    assert not Path(folder).parent.exists()


def test_port_in_use_is_explained(site_project: ProjectDir, preview: PreviewProcess) -> None:
    env = {**os.environ, "BULLETIN_ROOT": str(site_project.root), "PYTHONIOENCODING": "utf-8"}
    run = subprocess.run(
        [sys.executable, str(REPO / "build.py"), "serve", "--port", str(preview.port)],
        check=False,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
    )
    assert run.returncode == 1
    assert f"端口 {preview.port} 已被占用" in run.stderr
    assert "Traceback" not in run.stderr


# -- in a real browser -----------------------------------------------------------------------


def test_an_open_page_reloads_by_itself_and_shows_mistakes(
    site_project: ProjectDir, preview: PreviewProcess, browser
) -> None:
    page = browser.new_page(
        viewport={"width": 390, "height": 844}, device_scale_factor=1
    )  # a phone
    try:
        page.goto(f"http://127.0.0.1:{preview.port}{UNIT_PAGE}")
        page.wait_for_function(
            "() => window.LiveReload && window.LiveReload.connector.protocol > 0"
        )
        page.evaluate("window.notReloaded = true")
        edit_plan(site_project, "3.25")
        page.wait_for_function(
            "() => !window.notReloaded && document.body.innerText.includes('3.25')", timeout=20000
        )

        edit_plan(site_project, "<b>五分</b>")
        mark = site_project.locate(SCORES, "plan: <b>五分</b>", "<b>")
        overlay = page.locator("#bulletin-problems")
        overlay.wait_for(state="visible", timeout=20000)
        assert f"{mark}: " in overlay.inner_text()
        fits = page.evaluate(
            """() => { const panel = document.querySelector('#bulletin-problems .panel');
                       return panel.scrollWidth <= panel.clientWidth
                           && panel.getBoundingClientRect().right <= window.innerWidth; }"""
        )
        assert fits, "the overlay is wider than a phone's screen"

        edit_plan(site_project, "2.75")
        overlay.wait_for(state="detached", timeout=20000)
        assert "2.75" in page.inner_text("main")
    finally:
        page.close()


# -- every endpoint, livereload's too, refuses other sites (DNS rebinding, cross-site requests)


def ws_status(port: int, headers: dict[str, str]) -> int:
    """The HTTP status of a WebSocket handshake at /livereload: 101 if it was accepted."""

    async def attempt() -> int:
        request = HTTPRequest(f"ws://127.0.0.1:{port}/livereload", headers=headers)
        try:
            conn = await websocket_connect(request)
        except HTTPClientError as exc:
            return exc.code
        conn.close()
        return 101

    result: list[int] = []  # in a thread: the browser tests' fixture keeps a loop running here
    worker = threading.Thread(target=lambda: result.append(asyncio.run(attempt())))
    worker.start()
    worker.join(30)
    return result[0]


@pytest.mark.parametrize("path", ["/", "/2014/", "/livereload.js", "/forcereload"])
def test_every_endpoint_refuses_other_host_names(shared: PreviewProcess, path: str) -> None:
    refused = shared.get(path, headers={"Host": "attacker.example"})
    assert refused.status == 403, (path, refused.status)
    assert "127.0.0.1" in refused.text  # says how to open it instead
    assert shared.get(path, headers={"Host": f"127.0.0.1:{shared.port}"}).status == 200


@pytest.mark.parametrize("path", ["/", "/2014/", "/livereload.js", "/forcereload"])
def test_every_endpoint_refuses_requests_from_other_sites(
    shared: PreviewProcess, path: str
) -> None:
    host = f"127.0.0.1:{shared.port}"
    other = shared.get(path, headers={"Host": host, "Origin": "http://attacker.example"})
    assert other.status == 403, (path, other.status)
    cross = shared.get(path, headers={"Host": host, "Sec-Fetch-Site": "cross-site"})
    assert cross.status == 403, (path, cross.status)
    same = shared.get(path, headers={"Host": host, "Origin": f"http://{host}"})
    assert same.status == 200, (path, same.status)


def test_the_reload_socket_refuses_other_sites(shared: PreviewProcess) -> None:
    port, host = shared.port, f"127.0.0.1:{shared.port}"
    assert ws_status(port, {"Host": "attacker.example"}) == 403
    assert ws_status(port, {"Host": "attacker.example", "Origin": "http://attacker.example"}) == 403
    assert ws_status(port, {"Host": host, "Origin": "http://attacker.example"}) == 403
    assert ws_status(port, {"Host": host, "Origin": f"http://localhost:{port}"}) == 403
    assert ws_status(port, {"Host": host, "Origin": f"http://{host}"}) == 101
    assert (
        ws_status(port, {"Host": f"localhost:{port}", "Origin": f"http://localhost:{port}"}) == 101
    )
