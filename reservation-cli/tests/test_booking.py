"""Booking from the command line against the real API: natural times, conflicts, bad input."""

from __future__ import annotations

from datetime import datetime, timedelta

from conftest import Cli, World
from reservation_cli.output import when


def tomorrow_at(hour: int, minute: int = 0) -> datetime:
    day = datetime.now().astimezone().date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, minute).astimezone()


def test_book_with_natural_times_then_list_show_and_cancel(cli: Cli, world: World) -> None:
    cli.login(world.member)

    booked = cli.json(
        "book", f"{world.site}/port-1", "--start", "tomorrow 9:00", "--for", "90m",
        "--title", "VLAN test", "--param", "vlan_id=42",
    )  # fmt: skip
    listed = cli.json("reservations", "list")
    shown = cli.json("reservations", "show", booked["id"])
    cancelled = cli.json("reservations", "cancel", booked["id"], "--reason", "done early")

    assert datetime.fromisoformat(booked["start"]) == tomorrow_at(9)
    assert datetime.fromisoformat(booked["end"]) == tomorrow_at(10, 30)
    assert booked["parameters"] == {"vlan_id": 42}
    assert booked["status"] == "confirmed"
    assert booked["start"].endswith("Z")  # machine output keeps the API's RFC 3339
    assert [r["id"] for r in listed] == [booked["id"]]
    assert shown["title"] == "VLAN test"
    assert cancelled["status"] == "cancelled"
    assert cancelled["status_reason"] == "done early"


def test_table_output_shows_local_times(cli: Cli, world: World) -> None:
    cli.login(world.member)
    cli.json("book", "port-2", "--site", world.site, "--start", "tomorrow 14:00", "--for", "1h",
             "--param", "vlan_id=7")  # fmt: skip

    result = cli("reservations", "list")

    assert result.exit_code == 0, result.stderr
    assert when(tomorrow_at(14)).endswith("14:00")
    assert when(tomorrow_at(14)) in result.stdout  # Europe/Rome, not the API's 13:00Z
    assert "13:00" not in result.stdout
    assert "port-2" in result.stdout


def test_overlapping_booking_is_one_line_and_exit_3(cli: Cli, world: World) -> None:
    cli.login(world.member)
    args = ("book", f"{world.site}/server-1", "--start", "tomorrow 10:00", "--for", "2h")
    assert cli(*args).exit_code == 0

    # The switch holds its ports: booking it over the same time conflicts too.
    again = cli(*args[:1], "server-1", "--site", world.site, *args[2:])
    parent = cli("book", f"{world.site}/switch-1", "--start", "tomorrow 9:00", "--for", "1h")
    child = cli("book", f"{world.site}/port-1", "--start", "tomorrow 9:30", "--for", "1h",
                "--param", "vlan_id=1")  # fmt: skip

    assert again.exit_code == 3
    assert again.stderr.startswith("Error: ")
    assert len(again.stderr.strip().splitlines()) == 1
    assert "Traceback" not in again.stderr
    assert parent.exit_code == 0
    assert child.exit_code == 3


def test_bad_inputs_are_clear_lines_with_exit_2_or_4(cli: Cli, world: World) -> None:
    cli.login(world.member)
    port = f"{world.site}/port-1"

    bad_time = cli("book", port, "--start", "next blursday", "--for", "1h")
    bad_length = cli("book", port, "--start", "tomorrow 9:00", "--for", "ages")
    both = cli("book", port, "--start", "tomorrow 9:00", "--for", "1h", "--end", "+3h")
    schema = cli("book", port, "--start", "tomorrow 9:00", "--for", "1h", "--param", "vlan_id=9999")
    unknown = cli("book", f"{world.site}/no-such-thing", "--start", "+1h", "--for", "1h")
    bad_id = cli("reservations", "show", "not-an-id")
    missing = cli("reservations", "show", "00000000-0000-0000-0000-000000000000")

    assert bad_time.exit_code == 2
    assert "'next blursday' is not a time" in bad_time.stderr
    assert bad_length.exit_code == 2
    assert "'ages' is not a duration" in bad_length.stderr
    assert both.exit_code == 2
    assert "exactly one of --end and --for" in both.stderr
    assert schema.exit_code == 2
    assert "vlan_id" in schema.stderr and len(schema.stderr.strip().splitlines()) == 1
    assert unknown.exit_code == 4
    assert "No resource named 'no-such-thing'" in unknown.stderr
    assert bad_id.exit_code == 2
    assert missing.exit_code == 4
    for result in (schema, unknown, bad_id, missing):
        assert "Traceback" not in result.stderr


def test_debug_adds_the_problem_document(cli: Cli, world: World) -> None:
    cli.login(world.member)
    args = ("book", f"{world.site}/port-1", "--start", "tomorrow 9:00", "--for", "1h",
            "--param", "vlan_id=0")  # fmt: skip

    plain = cli(*args)
    debug = cli("--debug", *args)

    assert plain.exit_code == debug.exit_code == 2
    assert '"status": 422' in debug.stderr
    assert '"status": 422' not in plain.stderr


def test_extend_and_move_follow_the_etag_and_report_conflicts(cli: Cli, world: World) -> None:
    cli.login(world.member)
    first = cli.json("book", f"{world.site}/server-1", "--start", "tomorrow 9:00", "--for", "1h")
    cli.json("book", f"{world.site}/server-1", "--start", "tomorrow 12:00", "--for", "1h")

    extended = cli.json("reservations", "extend", first["id"], "--by", "30m")
    moved = cli.json("reservations", "move", first["id"], "--start", "tomorrow 15:00")
    clash = cli("reservations", "move", first["id"], "--start", "tomorrow 11:30")
    neither = cli("reservations", "extend", first["id"])

    assert datetime.fromisoformat(extended["end"]) == tomorrow_at(10, 30)
    assert datetime.fromisoformat(moved["start"]) == tomorrow_at(15)
    assert datetime.fromisoformat(moved["end"]) == tomorrow_at(16, 30)  # the length stays
    assert clash.exit_code == 3
    assert neither.exit_code == 2


def test_availability_lists_free_and_busy_periods(cli: Cli, world: World) -> None:
    cli.login(world.member)
    booked = cli.json("book", f"{world.site}/server-1", "--start", "tomorrow 10:00", "--for", "2h")

    window = ("--from", "tomorrow 8:00", "--to", "tomorrow 14:00")
    data = cli.json("availability", f"{world.site}/server-1", *window)
    table = cli("availability", f"{world.site}/server-1", *window)

    assert [(b["reservation_id"], b["start"], b["end"]) for b in data["busy"]] == [
        (booked["id"], booked["start"], booked["end"])
    ]
    free = [
        (datetime.fromisoformat(f["start"]), datetime.fromisoformat(f["end"])) for f in data["free"]
    ]
    assert free == [(tomorrow_at(8), tomorrow_at(10)), (tomorrow_at(12), tomorrow_at(14))]
    assert table.exit_code == 0
    assert "█" in table.stdout and "░" in table.stdout
    assert "2h" in table.stdout


def test_site_admin_books_on_behalf_of_a_member(cli: Cli, world: World) -> None:
    cli.login(world.site_admin)

    booked = cli.json("book", f"{world.site}/server-1", "--start", "tomorrow 9:00", "--for", "1h",
                      "--on-behalf", world.member.username)  # fmt: skip
    stranger = cli("book", f"{world.site}/server-1", "--start", "tomorrow 11:00", "--for", "1h",
                   "--on-behalf", "nobody-here")  # fmt: skip

    assert booked["owner_id"] == world.member.id
    assert booked["created_by"] == world.site_admin.id
    assert stranger.exit_code == 4


def test_approvals_list_approve_and_reject(cli: Cli, world: World) -> None:
    cli.login(world.member)
    first = cli.json("book", f"{world.site}/lab-room", "--start", "tomorrow 9:00", "--for", "1h")
    second = cli.json("book", f"{world.site}/lab-room", "--start", "tomorrow 13:00", "--for", "1h")
    member_approves = cli("approvals", "approve", first["id"])

    cli.login(world.site_admin)
    pending = cli.json("approvals", "list", "--site", world.site)
    approved = cli.json("approvals", "approve", first["id"])
    rejected = cli.json("approvals", "reject", second["id"], "--reason", "maintenance")
    no_reason = cli("approvals", "reject", second["id"])

    assert first["status"] == "pending"
    assert member_approves.exit_code == 5
    assert {r["id"] for r in pending} == {first["id"], second["id"]}
    assert approved["status"] == "confirmed"
    assert rejected["status"] == "rejected"
    assert no_reason.exit_code == 2


def test_check_in_from_the_command_line_and_release_only_what_runs(cli: Cli, world: World) -> None:
    cli.login(world.member)
    soon = cli.json("book", f"{world.site}/server-1", "--start", "in 5m", "--for", "1h")
    later = cli.json("book", f"{world.site}/server-1", "--start", "tomorrow 9:00", "--for", "1h")

    checked = cli.json("reservations", "check-in", soon["id"])
    again = cli.json("reservations", "check-in", soon["id"])  # idempotent
    too_early = cli("reservations", "check-in", later["id"])
    shown = cli("reservations", "show", soon["id"])
    not_running = cli("reservations", "release", later["id"])
    not_an_id = cli("reservations", "check-in", "nope")

    assert checked["checked_in_at"] is not None
    assert again["checked_in_at"] == checked["checked_in_at"]
    assert too_early.exit_code == 3
    assert "Check-in opens 15 minutes before the start" in too_early.stderr
    assert shown.exit_code == 0 and "Checked in" in shown.stdout
    assert not_running.exit_code == 3
    assert "cancel it instead" in not_running.stderr
    assert not_an_id.exit_code == 2


def test_only_the_owner_checks_in(cli: Cli, world: World) -> None:
    cli.login(world.member)
    soon = cli.json("book", f"{world.site}/server-1", "--start", "in 5m", "--for", "1h")
    cli.login(world.site_admin)

    refused = cli("reservations", "check-in", soon["id"])

    assert refused.exit_code == 5, refused.stderr  # 403
    assert "owner" in refused.stderr
