"""The web edition in a real browser: axe-core (WCAG 2.2 A and AA) on the index and on council
pages at 1280 px and 390 px wide, no sideways scrolling on a phone, the vendored fonts loaded from
the site's own folder and nothing fetched from anywhere else; a screenshot of each page at each
width to look at.

Run by .ci/web-checks, which installs Chromium, ChromeDriver, selenium and axe-core:
    check_site.py SITE_DIR AXE_JS SCREENSHOT_DIR PAGE...
PAGE is relative to SITE_DIR (e.g. index.html, councils/kent-county-council.html). Exit status 1
if any page has a violation or fails a check.
"""
import pathlib
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

WIDTHS = (1280, 390)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-background-networking", "--disable-component-update",
                     "--disable-sync", "--no-first-run", "--allow-file-access-from-files"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_script_timeout(120)
    return driver


def check(driver, axe, path, width, screenshots):
    problems = []
    driver.set_window_size(width, 900)
    driver.get(path.as_uri())
    driver.execute_script(axe)
    result = driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
        axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}})
          .then(r => done({violations: r.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' '))}))}))
          .catch(e => done({error: String(e)}));""",
        TAGS,
    )
    if "error" in result:
        problems.append(f"axe failed: {result['error']}")
    for violation in result.get("violations", []):
        problems.append(f"axe {violation['id']}: {violation['help']} ({', '.join(violation['nodes'][:3])})")
    scroll_width = driver.execute_script("return document.documentElement.scrollWidth")
    if scroll_width > width:
        problems.append(f"scrolls sideways: {scroll_width} px wide in a {width} px window")
    fonts = driver.execute_script(
        "return [...document.fonts].filter(f => f.status == 'loaded').map(f => f.family)")
    if not any("Lato" in family for family in fonts):
        problems.append(f"Lato did not load from the site's folder (loaded: {fonts})")
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    foreign = [r for r in resources if not r.startswith("file://")]
    if foreign:
        problems.append(f"fetched from elsewhere: {foreign}")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 100, 12000))
    shot = screenshots / f"{path.stem}-{width}.png"
    driver.save_screenshot(str(shot))
    return problems


def main():
    site, axe_js, screenshots = (pathlib.Path(a) for a in sys.argv[1:4])
    pages = sys.argv[4:]
    screenshots.mkdir(parents=True, exist_ok=True)
    axe = axe_js.read_text()
    driver = browser()
    failed = False
    try:
        for page in pages:
            path = (site / page).resolve()
            for width in WIDTHS:
                problems = check(driver, axe, path, width, screenshots)
                print(f"{page} at {width} px: {'ok' if not problems else 'FAILED'}")
                for problem in problems:
                    print(f"  {problem}")
                failed |= bool(problems)
    finally:
        driver.quit()
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
