"""The order in which the player fetches the next screens (player-prefetch.js): the screens one
click away from the one on show, those on the shortest way to the task's goal first, then in
the order of their hotspots.

Checked on made-up screens in the player page itself, where the function runs."""

import pytest

from tests.e2e.test_player_browser import PHONE, share_url, two_task_demo_study

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# home links to help, account and news (twice to news); account leads to orders, the goal,
# in one click, help in two, news in none.
LIKELY_NEXT = """(goals) => {
  const spot = (target) => ({ target: target });
  const screens = new Map([
    [1, { id: 1, hotspots: [spot(4), spot(2), spot(3), spot(4), spot(null), spot(1)] }],
    [2, { id: 2, hotspots: [spot(5), spot(1)] }],
    [3, { id: 3, hotspots: [spot(2)] }],
    [4, { id: 4, hotspots: [] }],
    [5, { id: 5, hotspots: [spot(3)] }],
  ]);
  const order = window.Protoplatform.FetchOrder;
  return {
    next: order.likelyNext(screens.get(1), screens, goals).map((screen) => screen.id),
    clicks: Object.fromEntries(order.clicksToGoal(screens, goals)),
  };
}"""


def test_the_screens_on_the_way_to_the_goal_come_first(live_server, new_page):
    study = two_task_demo_study()
    page = new_page(**PHONE)
    page.goto(share_url(live_server, study))
    page.wait_for_function("() => window.Protoplatform && window.Protoplatform.FetchOrder")

    # Screen 1 links to 4 (news), 2 (help), 3 (account), 4 again, nowhere, and itself.
    towards_five = page.evaluate(LIKELY_NEXT, [5])
    assert towards_five["clicks"] == {"5": 0, "2": 1, "3": 2, "1": 2}
    assert towards_five["next"] == [2, 3, 4]

    towards_two = page.evaluate(LIKELY_NEXT, [2])
    assert towards_two["next"] == [2, 3, 4]
    # No goal (a task that ends when the participant says so): the hotspots' order.
    assert page.evaluate(LIKELY_NEXT, [])["next"] == [4, 2, 3]
