"""How a participant's hands drive a page in the browser tests: by touch, by mouse, or by
keyboard alone. Each has press (a button or link), tick (a checkbox or radio button) and
type_in (a text field)."""


class Touch:
    def __init__(self, page):
        self.page = page

    def press(self, locator):
        locator.tap()

    def tick(self, locator):
        locator.tap()

    def type_in(self, locator, text):
        locator.tap()
        self.page.keyboard.type(text)


class Mouse:
    def __init__(self, page):
        self.page = page

    def press(self, locator):
        locator.click()

    def tick(self, locator):
        locator.check()

    def type_in(self, locator, text):
        locator.fill(text)


class Keyboard:
    """Reaches every control with Tab and uses it with Enter or Space, never a pointer."""

    MAX_TABS = 40

    def __init__(self, page):
        self.page = page

    def tab_to(self, locator):
        for _ in range(self.MAX_TABS):
            if locator.evaluate("(element) => element === document.activeElement"):
                return
            self.page.keyboard.press("Tab")
        raise AssertionError(f"Tab never reached {locator}")

    def press(self, locator):
        self.tab_to(locator)
        self.page.keyboard.press("Enter")

    def tick(self, locator):
        if locator.get_attribute("type") == "radio":
            self.choose(locator)
            return
        self.tab_to(locator)
        self.page.keyboard.press("Space")

    def choose(self, radio):
        """Tab stops once on a group of radio buttons; the arrow keys pick within it."""
        in_group = "(element) => element.name === document.activeElement.name"
        for _ in range(self.MAX_TABS):
            if radio.evaluate(in_group):
                break
            self.page.keyboard.press("Tab")
        for _ in range(self.MAX_TABS):
            if radio.is_checked():
                return
            self.page.keyboard.press("ArrowRight")
        raise AssertionError(f"the arrow keys never reached {radio}")

    def type_in(self, locator, text):
        self.tab_to(locator)
        self.page.keyboard.type(text)
