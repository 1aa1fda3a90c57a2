"""Browser test of chiso.js: a form whose answer leads back to the page it was sent from.

The page is loaded again, and the browser reports one navigation: the new page. A history change made
before the reload was a navigation of the old page, reported while it was still shown, so whoever waited
for "the page after the click" read the old one (CI's failure of test_local_time: the extension saved,
the row still read the old date). Served by a small stdlib server whose page after a POST comes late, as
a busy server's does, with the package's own chiso.js.
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from importlib.resources import files
from typing import Any

import pytest

pytestmark = pytest.mark.browser
SCRIPT = files("chiso.web").joinpath("static/chiso.js").read_bytes()
LATE_S = 1.0
PAGE = """<!doctype html><html lang="vi"><body><main id="main"><p id="saved">{saved}</p>
<form method="post" action="/page" data-done="Đã lưu."><button type="submit">Lưu</button></form>
<form method="post" action="/page" data-anchor="part" data-done="Đã lưu phần.">
<button type="submit">Lưu phần</button></form>
<div style="height:3000px"></div><fieldset id="part"><legend>Phần</legend></fieldset>
</main><script src="/chiso.js"></script></body></html>"""


class _Site(http.server.BaseHTTPRequestHandler):
    posts = 0

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        if self.path == "/chiso.js":
            self._answer(200, SCRIPT, "text/javascript")
            return
        if _Site.posts:
            time.sleep(LATE_S)  # the page after a save: a busy server draws it late
        page = PAGE.replace("{saved}", str(_Site.posts))
        self._answer(200, page.encode(), "text/html; charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        _Site.posts += 1
        self.send_response(303)
        self.send_header("Location", "/page")
        self.end_headers()

    def _answer(self, status: int, body: bytes, kind: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a page left while its answer was on the way (the browser moved on): nothing to report


@pytest.fixture
def site() -> Iterator[str]:
    _Site.posts = 0
    server = _Server(("127.0.0.1", 0), _Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize(("button", "anchor"), [("Lưu", ""), ("Lưu phần", "#part")])
def test_the_page_after_a_save_is_the_new_page(browser: Any, site: str, button: str, anchor: str) -> None:
    page = browser.new_page()
    page.goto(f"{site}/page")
    page.evaluate("() => { window.oldPage = true; }")
    with page.expect_navigation():
        page.get_by_role("button", name=button, exact=True).click()
    # what a user (or a test) reads once the browser says the page changed
    assert page.evaluate("() => window.oldPage === undefined"), "the navigation reported was the old page's"
    assert page.inner_text("#saved") == "1"
    assert page.inner_text("#done") in ("Đã lưu.", "Đã lưu phần.")
    page.wait_for_function(f"() => location.hash === {anchor!r}")
    if anchor:  # the message sits in the part saved, which is in view
        assert page.locator("#part #done").count() == 1
        assert page.locator("#part").evaluate("el => el.getBoundingClientRect().top < innerHeight")
    page.close()
