"""Sites, resources (list, tree, CSV import/export) and webhooks, as people and admins use them."""

from __future__ import annotations

import csv
import io
import json
import uuid
from pathlib import Path

import yaml
from conftest import Cli, World
from reservation_testrealm.server import TestRealm


def test_sites_list_and_show(cli: Cli, world: World) -> None:
    cli.login(world.member)

    listed = cli.json("sites", "list", "-q", world.site)
    shown = cli("sites", "show", world.site, "-o", "yaml")
    missing = cli("sites", "show", "no-such-site")

    assert [s["slug"] for s in listed] == [world.site]
    assert listed[0]["my_role"] == "member"
    assert yaml.safe_load(shown.stdout)["slug"] == world.site
    assert missing.exit_code == 4


def test_resources_list_with_filters_and_csv_output(cli: Cli, world: World) -> None:
    cli.login(world.member)

    everything = cli.json("resources", "list", "--site", world.site)
    ports = cli.json("resources", "list", "-s", world.site, "--type", "Port")
    children = cli.json("resources", "list", "-s", world.site, "--parent", "switch-1")
    roots = cli.json("resources", "list", "-s", world.site, "--roots")
    gpus = cli.json("resources", "list", "-s", world.site, "--attr", "gpu=a100")
    as_csv = cli("resources", "list", "-s", world.site, "--roots", "-o", "csv")
    bad_attr = cli("resources", "list", "-s", world.site, "--attr", "gpu")
    newest = cli.json("resources", "list", "-s", world.site, "--sort", "-created_at")
    bad_sort = cli("resources", "list", "-s", world.site, "--sort", "size")

    assert len(everything) == 5
    assert {r["name"] for r in ports} == {"port-1", "port-2"}
    assert {r["name"] for r in children} == {"port-1", "port-2"}
    assert {r["name"] for r in roots} == {"switch-1", "server-1", "lab-room"}
    assert [r["name"] for r in gpus] == ["server-1"]
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert {r["name"] for r in rows} == {"switch-1", "server-1", "lab-room"}
    assert json.loads(next(r for r in rows if r["name"] == "server-1")["attributes"]) == {
        "gpu": "a100"
    }
    assert bad_attr.exit_code == 2
    assert newest[0]["name"] == "lab-room"  # the last one made
    assert bad_sort.exit_code == 2  # the API's 422, as a usage error


def test_resource_show_and_tree(cli: Cli, world: World) -> None:
    cli.login(world.member)

    shown = cli.json("resources", "show", f"{world.site}/port-1")
    by_id = cli.json("resources", "show", world.resources["port-1"]["id"])
    tree = cli.json("resources", "tree", "--site", world.site)
    subtree = cli.json("resources", "tree", "--root", f"{world.site}/switch-1")
    drawn = cli("resources", "tree", "--site", world.site)

    assert shown == by_id
    assert shown["parent_id"] == world.resources["switch-1"]["id"]
    switch = next(node for node in tree if node["name"] == "switch-1")
    assert sorted(c["name"] for c in switch["children"]) == ["port-1", "port-2"]
    assert [n["name"] for n in subtree] == ["switch-1"]
    assert len(subtree[0]["children"]) == 2
    assert "└── " in drawn.stdout or "├── " in drawn.stdout
    assert "port-2" in drawn.stdout


def test_import_then_export_round_trip(cli: Cli, world: World, tmp_path: Path) -> None:
    cli.login(world.site_admin)
    source = tmp_path / "servers.csv"
    source.write_text(
        "name,type,parent,description,location,status,attributes\n"
        "rack-9,Server,,,room 2,active,{}\n"
        'gpu-9,Server,rack-9,,room 2,active,"{""gpu"": ""h100""}"\n',
        encoding="utf-8",
    )
    broken = tmp_path / "broken.csv"
    broken.write_text("name,type\nx,NoSuchType\n", encoding="utf-8")

    imported = cli.json("resources", "import", "--site", world.site, str(source))
    again = cli("resources", "import", "--site", world.site, str(broken))
    exported = tmp_path / "out.csv"
    export = cli("resources", "export", "--site", world.site, "-f", str(exported))

    assert {r["name"] for r in imported} == {"rack-9", "gpu-9"}
    assert again.exit_code == 2
    assert "nothing was imported" in again.stderr
    assert export.exit_code == 0
    rows = {r["name"]: r for r in csv.DictReader(io.StringIO(exported.read_text()))}
    assert rows["gpu-9"]["parent"] == "rack-9"
    assert len(rows) == 7


def test_member_cannot_import(cli: Cli, world: World, tmp_path: Path) -> None:
    cli.login(world.member)
    source = tmp_path / "one.csv"
    source.write_text("name,type\nsneaky,Server\n", encoding="utf-8")

    result = cli("resources", "import", "--site", world.site, str(source))

    assert result.exit_code == 5


def test_webhooks_list_test_deliveries_and_redeliver(
    cli: Cli, world: World, test_realm: TestRealm
) -> None:
    name = f"hook-{uuid.uuid4().hex[:6]}"
    created = world.api.post(
        f"/sites/{world.site}/webhooks",
        json={"name": name, "url": "https://receiver.example.test/hook"},
        headers={"Authorization": f"Bearer {test_realm.token(world.site_admin.username)}"},
    )
    assert created.status_code == 201, created.text
    cli.login(world.site_admin)

    listed = cli.json("webhooks", "list", "--site", world.site)
    pinged = cli.json("webhooks", "test", name, "--site", world.site)
    deliveries = cli.json("webhooks", "deliveries", name, "--site", world.site)
    redelivered = cli.json(
        "webhooks", "redeliver", name, "--site", world.site, "--failed-since", "yesterday"
    )
    unknown = cli("webhooks", "test", "no-such-hook", "--site", world.site)
    no_target = cli("webhooks", "redeliver", name, "--site", world.site)

    assert [w["name"] for w in listed] == [name]
    assert pinged["event_id"]
    assert isinstance(deliveries, list)  # filled by the event processor, not running here
    assert redelivered == {"redelivered": 0}
    assert unknown.exit_code == 4
    assert no_target.exit_code == 2

    cli.login(world.member)
    refused = cli("webhooks", "list", "--site", world.site)
    assert refused.exit_code == 5


def test_output_format_from_the_root_option_and_the_environment(cli: Cli, world: World) -> None:
    cli.login(world.member)

    root = cli("-o", "json", "sites", "show", world.site)
    env = cli("sites", "show", world.site, env={"RSV_OUTPUT": "yaml"})
    override = cli("sites", "show", world.site, "-o", "json", env={"RSV_OUTPUT": "yaml"})
    wrong = cli("sites", "list", env={"RSV_OUTPUT": "xml"})

    assert json.loads(root.stdout)["slug"] == world.site
    assert yaml.safe_load(env.stdout)["slug"] == world.site
    assert json.loads(override.stdout)["slug"] == world.site
    assert wrong.exit_code == 2
    assert "RSV_OUTPUT" in wrong.stderr
