"""The web UI in headless Chromium (Debian's ``chromium``, driven by Playwright) against
a real stack: start a conversation in the page, watch the messages arrive, see the
conclusion and its trace as a waterfall; then be a team member in the page: register a
card, accept an invitation and answer a task. Screenshots are saved under the test's
tmp dir."""

import shutil
from pathlib import Path

import pytest

from tests.gateway.conftest import real_stack, wait_for_state
from tests.support.spans import written_to

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.skipif(
    shutil.which(CHROMIUM) is None, reason="needs Debian's chromium ('make test' installs it)"
)


@pytest.mark.timeout(120)
async def test_a_goal_started_in_the_ui_shows_the_team_messages_and_conclusion(
    nats_url: str, subject_root: str, tmp_path: Path
) -> None:
    from playwright.async_api import async_playwright, expect

    shot, person_shot = tmp_path / "web-ui.png", tmp_path / "web-ui-person.png"
    print(f"screenshots: {shot}, {person_shot}")
    traces = tmp_path / "traces"
    with written_to(traces):
        async with (
            real_stack(nats_url, subject_root, tmp_path, trace_dir=traces) as stack,
            async_playwright() as pw,
        ):
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
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
            finally:
                await browser.close()

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
