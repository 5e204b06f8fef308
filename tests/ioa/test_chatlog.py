"""What ``ioa demo`` prints for the group chat and how it reads server-sent events."""

from ioa.chatlog import ChatPrinter, describe, normalize
from ioa.sse import parse_lines


def envelope(kind: str, sender: str, body: dict, id_: str = "m1") -> dict:
    return {"protocol": "ioa/1", "id": id_, "type": kind, "sender": sender, "body": body}


def test_each_message_kind_reads_as_one_line_with_sender_and_kind() -> None:
    assign = envelope("task_assign", "coordinator", {"assignee": "writer", "description": "Note"})
    assert describe(assign) == "  coordinator  task_assign   → writer: Note"
    assert describe(envelope("task_result", "writer", {"text": "Dear\ncustomer"})).endswith(
        "task_result   Dear customer"
    )
    assert "no data" in describe(envelope("task_failed", "calc", {"reason": "no data"}))
    assert describe(envelope("team_invite", "coordinator", {})) is None


def test_logged_messages_pages_and_plain_states_are_all_normalized_to_envelopes() -> None:
    env = envelope("chat_message", "a", {"text": "hi"})
    state = {"conversation": "c1", "goal": "g", "state": "forming"}
    assert normalize({"seq": 1, "envelope": env}) == [env]
    assert normalize({"messages": [{"seq": 1, "envelope": env}, env]}) == [env, env]
    assert normalize(state)[0]["body"] == state
    assert normalize("text") == []


def test_the_printer_shows_each_message_once_and_each_state_change_once() -> None:
    lines: list[str] = []
    printer = ChatPrinter(lines.append)
    msg = envelope("chat_message", "a", {"text": "hi"})
    for item in [
        *normalize({"conversation": "c", "goal": "g", "state": "executing"}),
        msg,
        msg,
        *normalize({"conversation": "c", "goal": "g", "state": "executing"}),
        *normalize({"conversation": "c", "goal": "g", "state": "concluded"}),
    ]:
        printer.show(item)
    assert lines == ["  · executing", "  a            chat_message  hi", "  · concluded"]
    assert printer.finished


def test_server_sent_events_are_split_on_blank_lines_and_comments_are_skipped() -> None:
    lines = [": keep-alive", "event: state", 'data: {"a":', "data: 1}", "", "data: x", ""]
    assert list(parse_lines(lines)) == [("state", '{"a":\n1}'), ("message", "x")]
