"""Every page of the demo rendered in both languages (issue 10, defect 10).

Each HTML page a user can open (every GET route of the app that is not an API twin or a download, its
path parameters filled from the demo) is rendered for the role that sees most of it, in Vietnamese and
in English. The interface's own words - headings below the title, table headers, labels, buttons,
legends, captions, the menu - must be English in English (a Vietnamese letter there is an
untranslated message id), and no page in either language shows a raw code where words exist
(`user.login`, `'submitted'`, "Field required", a role code in a sentence).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from demo_site import demo_env
from fastapi.testclient import TestClient
from web_login import login_as

from chiso.config import get_settings
from chiso.web.app import create_app, list_routes

#: The interface's words live in these elements; data (agency names, values) in the others.
UI_TAGS = {"th", "label", "button", "legend", "caption", "summary", "nav", "h2", "h3"}
DATA_TAGS = {"script", "style", "option", "select", "td", "a", "code", "time", "textarea"}
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúýđ]", re.I)
RAW_CODES = re.compile(
    r"\b(?:user|submission|period|value|evidence|framework)\.(?:login|logout|create|update|delete|submit)\b"
    r"|'(?:submitted|approved|returned|draft)'|Field required|Vai trò (?:reporter|assessor|secretariat)"
)
#: Path parameters filled from the demo (a published period, a department, a demo user...).
PARAMS = {
    "code": "DNG-2025",
    "period_code": "DNG-2025",
    "agency": "DNG.SO.KHCN",
    "agency_code": "DNG.SO.KHCN",
    "username": "baocao.khcn",
    "ref": "danang-it",
    "framework_id": "danang-it",
}
SKIPPED = ("/api", "/embed", "/static", "/open-data/", "/openapi", "/logout", "/reset/")


def is_vi(text: str) -> bool:
    return VIETNAMESE.search(text) is not None


class UiText(HTMLParser):
    """Collect the text inside the interface's own elements, skipping scripts, styles and data cells."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "source", "col", "wbr"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []  # (tag, holds data: translate="no" or a data tag)
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            # translate="no" marks text stored with its data (an alert's title naming a plan item)
            self.stack.append((tag, tag in DATA_TAGS or ("translate", "no") in attrs))

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _ in self.stack):
            while self.stack and self.stack.pop()[0] != tag:
                pass

    def handle_data(self, data: str) -> None:
        if not data.strip() or any(is_data for _, is_data in self.stack):
            return
        inside = sorted(UI_TAGS & {tag for tag, _ in self.stack})
        if inside:
            self.found.append((inside[0], data.strip()))


def _pages() -> list[str]:
    paths = []
    for route in list_routes(create_app()):
        path = route.path
        if route.method != "GET" or path.startswith(SKIPPED) or re.search(r"\.(csv|xlsx|pdf|json)$", path):
            continue
        if "{" in path:
            names = re.findall(r"{(\w+)(?::\w+)?}", path)
            if any(n not in PARAMS for n in names):
                continue
            path = re.sub(r"{(\w+)(?::\w+)?}", lambda m: PARAMS[m.group(1)], path)
            if path.startswith("/agencies/DNG-2025"):
                path = path.replace("DNG-2025", "DNG.SO.KHCN", 1)
        paths.append(path)
    return sorted(set(paths))


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    env = demo_env(demo_template, tmp_path / "demo")
    monkeypatch.setenv("CHISO_DATA_DIR", env["CHISO_DATA_DIR"])
    with TestClient(create_app(), follow_redirects=True) as client:
        login_as(client, get_settings().database_url, "vanthu")
        yield client


def test_every_page_speaks_english_in_english_and_shows_no_raw_code(demo: TestClient) -> None:
    problems: list[str] = []
    rendered = 0
    for path in _pages():
        for lang in ("vi", "en"):
            response = demo.get(path, params={"lang": lang}, headers={"Accept": "text/html"})
            if response.status_code != 200 or "text/html" not in response.headers.get("content-type", ""):
                continue
            rendered += 1
            raw = RAW_CODES.search(response.text)
            if raw:
                problems.append(f"{path} ({lang}): raw code {raw.group(0)!r}")
            if lang == "en":
                parser = UiText()
                parser.feed(response.text)
                problems += [f"{path} (en): <{tag}> {text!r}" for tag, text in parser.found if is_vi(text)]
    assert rendered > 40, f"only {rendered} pages rendered: the path parameters no longer fit the routes"
    assert not problems, "untranslated or raw text:\n" + "\n".join(sorted(set(problems)))
