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


class Counted:
    """Drives the page with the mouse and keyboard and counts what a person would do: each
    click, each drag and each key pressed (typed text counts one key per character).

    Scrolling is not counted. Choosing from a drop-down list counts two clicks (open it, pick
    the item); choosing files counts two (open the file dialog, pick them).
    """

    def __init__(self, page):
        self.page = page
        self.clicks = 0
        self.drags = 0
        self.keys = 0

    @property
    def actions(self):
        return self.clicks + self.drags + self.keys

    def __str__(self):
        counts = f"{self.clicks} clicks, {self.drags} drags, {self.keys} keys"
        return f"{self.actions} actions ({counts})"

    def click(self, locator, **options):
        locator.click(**options)
        self.clicks += 1

    def tap(self, locator):
        locator.tap()
        self.clicks += 1

    def press(self, key):
        self.page.keyboard.press(key)
        self.keys += 1

    def type(self, text):
        self.page.keyboard.type(text)
        self.keys += len(text)

    def type_in(self, locator, text):
        """Click into a field, then type."""
        self.click(locator)
        self.type(text)

    def choose(self, select, label):
        select.select_option(label=label)
        self.clicks += 2

    def choose_files(self, file_input, paths):
        file_input.set_input_files(paths)
        self.clicks += 2

    def drag(self, start, end):
        """Press at `start`, move to `end` and let go (points are (x, y) in the window)."""
        mouse = self.page.mouse
        mouse.move(*start)
        mouse.down()
        mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
        mouse.move(*end, steps=4)
        mouse.up()
        self.drags += 1
