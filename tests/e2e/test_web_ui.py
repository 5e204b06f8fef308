"""The web UI in headless Chromium (Debian's ``chromium``, driven by Playwright) against
a real stack: start a conversation in the page, watch the messages arrive, see the
conclusion and its trace as a waterfall; then be a team member in the page: register a
card, accept an invitation and answer a task. Screenshots are saved under the test's
tmp dir."""

import json
from pathlib import Path

import pytest

from tests.gateway.conftest import (
    gateway_for,
    make_key,
    real_stack,
    running_gateway,
    wait_for_state,
)
from tests.support.chromium import chromium, needs_chromium
from tests.support.spans import written_to

pytestmark = needs_chromium


@pytest.mark.timeout(120)
async def test_a_goal_started_in_the_ui_shows_the_team_messages_and_conclusion(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    shot, person_shot = tmp_path / "web-ui.png", tmp_path / "web-ui-person.png"
    print(f"screenshots: {shot}, {person_shot}")
    traces = tmp_path / "traces"
    with written_to(traces):
        async with (
            real_stack(nats_url, subject_root, tmp_path, trace_dir=traces) as stack,
            chromium() as browser,
        ):
            page = await browser.new_page(viewport={"width": 1400, "height": 860})
            await page.goto(f"{stack.url}/#key={stack.key}")
            await page.fill("#goal", "Compute 12*(3+4)")
            await page.fill("#max-team", "1")
            await page.click("#start")

            conclusion = page.locator("#messages .msg.conclusion")
            await expect(conclusion).to_have_count(1, timeout=30_000)
            await expect(page.locator("#chat-state")).to_have_text("concluded", timeout=10_000)
            await page.click("#trace a")
            hot = page.locator("#waterfall .span-row.hot .wf-name")
            await expect(hot.first).to_have_text("POST /v1/conversations", timeout=10_000)
            await page.screenshot(path=str(shot), full_page=True)
            spans = await page.locator("#waterfall .wf-name").all_inner_texts()
            critical = await hot.all_inner_texts()
            bars = await page.locator("#waterfall .wf-bar").count()
            kinds = await page.locator("#messages .msg").evaluate_all(
                "els => els.map(e => e.dataset.kind)"
            )
            team = await page.locator("#team li strong").all_inner_texts()
            done_tasks = await page.locator('#tasks [data-outcome="done"] .card').count()
            listed = await page.locator("#conversations li .state").all_inner_texts()
            trace = await page.locator("#trace a").inner_text()
            conclusion_text = await conclusion.locator(".text").inner_text()

            # The user as a team member: a card, then a conversation that requires them.
            await page.fill("#card-description", "zymurgy")
            await page.fill("#card-skills", "zymurgy")
            await page.click("#card-save")
            await expect(page.locator("#card-state")).to_contain_text("online")
            async with stack.client() as http:
                asked = await http.post(
                    "/v1/conversations",
                    json={"goal": "Zymurgy?", "required": [stack.user()], "max_team": 1},
                )
                conversation = asked.json()["id"]
                pending = page.locator("#pending li")
                await pending.locator("button.accept").click(timeout=20_000)
                task = page.locator('#pending li[data-kind="task"]')
                await task.locator("textarea").fill("Ready in 3 days.", timeout=20_000)
                await page.screenshot(path=str(person_shot), full_page=True)
                await task.locator("button.result").click()
                answered = await wait_for_state(http, conversation, "concluded", "failed")
            listed_state = page.locator(f'#conversations li[data-id="{conversation}"] .state')
            await expect(listed_state).to_have_text("concluded", timeout=10_000)
            await expect(pending).to_have_count(0)

    assert shot.stat().st_size > 10_000
    assert kinds[0] != "conclusion" and "task_assign" in kinds and "task_result" in kinds
    assert kinds[-1] == "conclusion"
    assert team == ["calculator"]
    assert done_tasks == 1
    assert listed == ["concluded"]
    assert trace.startswith("trace ") and len(trace.split()[1]) == 32
    assert "84" in conclusion_text
    assert {"process coordinator.start", "drive conversation", "process inbox calculator"} <= set(
        spans
    )
    assert len(critical) >= 3 and bars == len(spans)
    assert person_shot.stat().st_size > 10_000
    assert answered["state"] == "concluded"
    assert f"{stack.user()}: Ready in 3 days." in answered["conclusion"]


@pytest.mark.timeout(60)
async def test_the_ui_sends_its_key_in_a_header_and_a_dropped_stream_resumes_after_its_last_id(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    """The page's feed of the user's conversations is read with fetch(): the key in
    ``Authorization``, no key in any URL; each response here ends after one event, as
    a dropped connection does, and the next request asks for what came after it."""
    from playwright.async_api import Request, Route, expect

    settings = gateway_for(nats_url, subject_root, tmp_path)
    key = make_key(settings)
    feeds: list[Request] = []

    async def one_event_then_drop(route: Route) -> None:
        feeds.append(route.request)
        n = len(feeds)
        state = {"conversation": f"c{n}", "goal": f"goal {n}", "state": "running"}
        body = f"id: {n}\nevent: state\ndata: {json.dumps(state)}\n\n"
        await route.fulfill(status=200, content_type="text/event-stream", body=body)

    async def no_conversations(route: Route) -> None:
        await route.fulfill(status=200, json={"conversations": [], "total": 0})

    async with running_gateway(settings) as url, chromium() as browser:
        page = await browser.new_page()
        urls: list[str] = []
        page.on("request", lambda request: urls.append(request.url))
        await page.route("**/v1/conversations?limit=100", no_conversations)
        await page.route("**/v1/events", one_event_then_drop)
        await page.goto(f"{url}/#key={key}")
        await expect(page.locator("#conversations li")).to_have_count(3, timeout=10_000)
        goals = await page.locator("#conversations li .goal").all_inner_texts()

    first, second, third = feeds[:3]
    assert first.headers["authorization"] == f"Bearer {key}"
    assert "last-event-id" not in first.headers  # a new feed: only changes from now on
    assert second.headers["last-event-id"] == "1" and third.headers["last-event-id"] == "2"
    assert sorted(goals) == ["goal 1", "goal 2", "goal 3"]
    assert urls and not [u for u in urls if key in u or "api_key" in u]
