"""What the browser tests check on every page they visit: axe-core accessibility rules and page weight.

axe-core is vendored for the tests only (tests/e2e/vendor/axe-core, from the npm registry; see its README). It
is injected into a context made with bypass_csp=True, because the app's CSP rightly refuses inline script;
the app never serves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
#: Impacts that fail the tests; "moderate" and "minor" are reported by axe but not enforced.
BLOCKING = ("serious", "critical")
LANGUAGES = ("it", "ar")
MAX_BYTES = 200 * 1024
MAX_REQUESTS = 15

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


@dataclass
class Violation:
    page: str
    language: str
    rule: str
    impact: str
    help: str
    targets: list[str]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:4]) + (
            f" (+{len(self.targets) - 4})" if len(self.targets) > 4 else ""
        )
        return f"[{self.impact}] {self.rule} on {self.page} ({self.language}): {self.help} -> {shown}"


def axe_violations(page, where: str, language: str) -> list[Violation]:
    """Run axe on the page as it is now; the page's context must bypass the CSP."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE)
    return [
        Violation(where, language, v["id"], v["impact"] or "", v["help"], v["targets"])
        for v in found
        if v["impact"] in BLOCKING
    ]


def audit_urls(
    browser, base_url: str, storage_state, urls: list[str], languages=LANGUAGES
) -> list[Violation]:
    """Open each URL in each language (Accept-Language and the language form) and run axe on it."""
    violations: list[Violation] = []
    for language in languages:
        context = browser.new_context(
            base_url=base_url,
            bypass_csp=True,
            storage_state=storage_state,
            locale=language,
            viewport={"width": 360, "height": 740},
        )
        page = context.new_page()
        switched = False
        for url in urls:
            page.goto(url)
            if not switched and page.locator("#language-select").count():
                # a logged-in person's own choice wins over the browser's language: choose it on the page
                if page.get_attribute("html", "lang") != language:
                    page.select_option("#language-select", language)
                    page.wait_for_function(f"document.documentElement.lang === '{language}'")
                    page.goto(url)
                switched = True
            violations += axe_violations(page, url, language)
        context.close()
    return violations


@dataclass
class Weight:
    url: str
    requests: int
    bytes: int
    foreign: list[str] = field(default_factory=list)

    def problems(self) -> list[str]:
        found = []
        if self.bytes >= MAX_BYTES:
            found.append(
                f"{self.url}: {self.bytes / 1024:.0f} KB on first load (limit {MAX_BYTES // 1024} KB)"
            )
        if self.requests >= MAX_REQUESTS:
            found.append(f"{self.url}: {self.requests} requests on first load (limit {MAX_REQUESTS})")
        if self.foreign:
            found.append(f"{self.url}: requests leave the machine: {self.foreign[:3]}")
        return found


def first_load_weight(browser, base_url: str, storage_state, url: str) -> Weight:
    """Bytes transferred and requests made by a first visit with an empty cache (a new context)."""
    context = browser.new_context(base_url=base_url, storage_state=storage_state)
    page = context.new_page()
    requests: list = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.on("requestfailed", lambda request: requests.append(request))
    page.goto(url, wait_until="networkidle")
    total = 0
    foreign = []
    for request in requests:
        host = urlsplit(request.url).hostname
        if request.url.startswith(("data:", "blob:")):
            continue
        if host != "127.0.0.1":
            foreign.append(request.url)
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    weight = Weight(
        url, len([r for r in requests if not r.url.startswith(("data:", "blob:"))]), total, foreign
    )
    context.close()
    return weight
