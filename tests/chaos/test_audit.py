"""The chaos audit itself: it passes a complete round and catches each kind of breach, so a
clean chaos report means something."""

from dataclasses import replace
from typing import Any

from tests.chaos.audit import Audit, Evidence, Logged, audit
from tests.chaos.traffic import Acked

G = "g1"
MEMBERS = ["coordinator", "alpha", "user:local"]
ALPHA_PID = 100


def log() -> list[Logged]:
    return [
        Logged(1, "g1-m1", "coordinator", "task_assign", {"task_id": "g1-t1"}, None),
        Logged(2, "u1", "user:local", "chat_message", {"next_speakers": ["alpha"]}, None),
        Logged(3, "re-t1", "alpha", "task_result", {"task_id": "g1-t1"}, "g1-m1"),
        Logged(4, "re-u1", "alpha", "chat_message", {}, "u1"),
        Logged(5, "g1-conclusion0", "coordinator", "conclusion", {}, None),
    ]


def work(*extra: dict[str, Any]) -> list[dict[str, Any]]:
    def rec(e: str, t: float, **fields: Any) -> dict[str, Any]:
        return {"e": e, "agent": "alpha", "pid": ALPHA_PID, "t": t, "group": G, **fields}

    return [
        rec("start", 1.0, task="g1-t1", id="g1-m1"),
        rec("done", 2.0, task="g1-t1", id="g1-m1"),
        rec("posted", 2.1, id="re-t1", seq=3, duplicate=False),
        rec("got", 2.2, id="g1-m1"),
        rec("posted", 2.3, id="re-u1", seq=4, duplicate=False),
        rec("got", 2.4, id="u1"),
        rec("got", 2.5, id="g1-conclusion0"),
        *extra,
    ]


def evidence(**changes: Any) -> Evidence:
    messages = changes.pop("logs", log())
    copies = {
        (m, G): [(10 * n + i, msg.id) for i, msg in enumerate(messages) if msg.sender != m]
        for n, m in enumerate(MEMBERS, start=1)
    }
    base = Evidence(
        logs={G: messages},
        members={G: MEMBERS},
        copies=copies,
        ack_floor={"coordinator": 1000, "alpha": 1000, "user:local": None},
        work=work(),
        recorders=frozenset({"alpha"}),
    )
    return replace(base, **changes)


STATES = {
    G: {
        "state": "concluded",
        "group": G,
        "conclusion": "done",
        "tasks": [{"task_id": "g1-t1", "assignee": "alpha", "outcome": "done"}],
    }
}
USER_POST = Acked("u1", G, 2, "user:local", ("alpha",))


def check(found: Evidence, acked: list[Acked] | None = None, **kwargs: Any) -> Audit:
    return audit(found, [USER_POST] if acked is None else acked, STATES, kwargs.get("kills", {}), 0)


def test_a_complete_round_passes_with_its_counts() -> None:
    found = check(evidence())
    assert (found.problems, found.missing) == ([], [])
    counts = found.counts
    assert (counts.accepted, counts.acked_seen, counts.lost) == (5, 3, 0)
    # Each message to each member but its sender: coordinator 3, alpha 3, user 4.
    assert counts.delivered == 10


def test_a_message_missing_from_an_inbox_is_lost() -> None:
    found = evidence()
    found.copies[("user:local", G)].pop()
    result = check(found)
    assert result.counts.lost == 1
    assert "g1-conclusion0 is not in user:local's inbox" in result.missing[0]


def test_an_acknowledged_post_missing_from_the_log_is_lost() -> None:
    result = check(evidence(), [USER_POST, Acked("u2", G, 6, "user:local")])
    assert result.missing == ["user:local's acknowledged post u2 is not in g1"]


def test_a_message_stored_or_copied_twice_is_a_problem() -> None:
    twice = [*log(), Logged(6, "u1", "user:local", "chat_message", {}, None)]
    assert any("in the log of g1 2 times" in p for p in check(evidence(logs=twice)).problems)
    found = evidence()
    found.copies[("alpha", G)].append((99, "u1"))
    assert any("u1 is in alpha's inbox 2 times" in p for p in check(found).problems)


def test_work_a_member_did_not_record_or_acknowledge_is_missing() -> None:
    found = evidence(work=[r for r in work() if r.get("id") != "u1"])
    assert "alpha has not handled u1 (g1)" in check(found).missing
    assert any("alpha has not answered u1" in m for m in check(evidence(logs=log()[:3])).missing)
    unacked = check(evidence(ack_floor={"coordinator": 11, "alpha": 1000, "user:local": None}))
    assert unacked.missing == [
        "coordinator has not acknowledged re-t1 (g1)",
        "coordinator has not acknowledged re-u1 (g1)",
    ]


def test_a_task_done_twice_is_a_problem_unless_a_kill_cut_off_its_record() -> None:
    again = {"e": "done", "agent": "alpha", "pid": 101, "t": 9.0, "group": G, "task": "g1-t1"}
    twice = evidence(work=sorted(work(again), key=lambda r: r["t"]))
    assert any("alpha did task g1-t1 2 times" in p for p in check(twice).problems)

    redone = check(twice, kills={ALPHA_PID: 2.5})
    assert redone.problems == []
    assert redone.counts.redone == 1


def test_a_duplicate_post_answer_counts_as_suppressed_and_must_keep_its_seq() -> None:
    retry = {"e": "posted", "agent": "alpha", "pid": ALPHA_PID, "t": 3.0, "group": G}
    same = check(evidence(work=work({**retry, "id": "re-t1", "seq": 3, "duplicate": True})))
    assert same.problems == [] and same.counts.duplicates_suppressed == 1
    moved = check(evidence(work=work({**retry, "id": "re-t1", "seq": 7, "duplicate": True})))
    assert any("answered with seq 7, but is stored at 3" in p for p in moved.problems)


def test_a_conversation_must_end_with_its_conclusion_or_a_reason() -> None:
    no_conclusion = check(evidence(logs=log()[:4]))
    assert any("concluded with 0 conclusion messages" in p for p in no_conclusion.problems)
    failed = {G: {**STATES[G], "state": "failed", "reason": "", "tasks": []}}
    result = audit(evidence(), [USER_POST], failed, {}, 0)
    assert any("failed without a reason" in p for p in result.problems)


def test_a_question_to_someone_outside_the_group_waits_for_no_answer() -> None:
    # alpha was replaced before the group was made: nobody delivers it the question.
    outside = evidence(
        members={G: ["coordinator", "user:local"]},
        logs=[*log()[:3], log()[4]],
        work=[r for r in work() if r.get("id") not in ("u1", "re-u1")],
    )
    assert check(outside).missing == []
