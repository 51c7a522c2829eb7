"""axe-core in the page under test: the accessibility rules the browser tests hold pages to.

axe-core is vendored (tests/e2e/vendor, from the npm registry) so the suite runs offline. It is
evaluated through Playwright rather than added as a <script>: the pages' Content-Security-Policy
refuses inline scripts, and Playwright's evaluate is not subject to it.
"""

from pathlib import Path

AXE_VERSION = "4.14.1"
AXE_SOURCE = Path(__file__).parent / "vendor" / f"axe-core-{AXE_VERSION}.min.js"

# The impacts that fail a test. Moderate and minor findings are printed but tolerated.
BLOCKING_IMPACTS = ("serious", "critical")

RUN_AXE = """async (exclude) => {
  const context = exclude.length ? { exclude: exclude.map((selector) => [selector]) } : document;
  const results = await axe.run(context, {
    resultTypes: ["violations"],
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
  });
  return results.violations.map((violation) => ({
    id: violation.id,
    impact: violation.impact,
    help: violation.help,
    helpUrl: violation.helpUrl,
    nodes: violation.nodes.map((node) => ({
      target: node.target.join(" "),
      html: node.html,
      summary: node.failureSummary,
    })),
  }));
}"""


def load_axe(page):
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE.read_text())


def violations(page, exclude=()):
    """Every axe-core violation on the page as it is now, whatever its impact."""
    load_axe(page)
    return page.evaluate(RUN_AXE, list(exclude))


def describe(found):
    lines = []
    for violation in found:
        impact, rule = violation["impact"], violation["id"]
        lines.append(f"[{impact}] {rule}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"]:
            lines.append(f"    {node['target']}")
            lines.append(f"      {node['html'][:200]}")
            for line in (node["summary"] or "").splitlines():
                lines.append(f"      {line}")
    return "\n".join(lines)


def assert_accessible(page, where, exclude=()):
    """Fail with the full list when axe finds anything serious or critical on the page."""
    found = violations(page, exclude)
    blocking = [violation for violation in found if violation["impact"] in BLOCKING_IMPACTS]
    assert not blocking, f"{where}: accessibility violations\n{describe(found)}"
    return found
