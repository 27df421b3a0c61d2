"""The study's report opens in headless chromium with every figure shown."""

from __future__ import annotations

from mnistlab._io import OutputDir
from mnistlab.data import load
from mnistlab.report import SectionCache, run_study, write_report


def test_report_shows_every_figure_on_a_laptop_and_a_phone(tmp_path, browser, artifacts):
    study = run_study(load("digits"), "data,pairs,model", cache=SectionCache(tmp_path / "c"))
    page_path = write_report(OutputDir(tmp_path / "out"), study)
    expected = sum(len(s.figures) for s in study.sections)
    for name, width in (("laptop", 1280), ("phone", 390)):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        images = page.locator("img")
        assert images.count() == expected
        for i in range(expected):  # lazy images load when scrolled to
            img = images.nth(i)
            img.scroll_into_view_if_needed()
            page.wait_for_function(
                "el => el.complete && el.naturalWidth > 0", arg=img.element_handle()
            )
            box = img.bounding_box()
            assert box["width"] > 50 and box["width"] <= width  # shown, and fits the screen
        overflow = page.evaluate("() => document.documentElement.scrollWidth")
        assert overflow <= width + 1, f"the page is wider than a {name} screen"
        page.goto(page_path.as_uri())
        page.screenshot(path=str(artifacts / f"report-{name}.png"))
        page.close()
