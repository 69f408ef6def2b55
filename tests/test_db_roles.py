"""Roles on PostgreSQL (`annotator db grant`): an annotator writes only their own decisions,
gold needs adjudication, everything else the lead; a refused write is one line."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
from conftest import SEED, dump_db, query

from annotator.cli import cli
from annotator.errors import DatabaseError
from annotator.models import Annotation, Gold, Span
from annotator.store import open_store

pytestmark = pytest.mark.postgresql


def as_role(url: str, role: str) -> str:
    """The same database, connecting as ``role`` (the test cluster trusts every local role)."""
    parts = urlsplit(url)
    return parts._replace(netloc=f"{role}@{parts.hostname or ''}").geturl()


@pytest.fixture
def team(runner, pg_db):
    """The seed imported by the lead (the superuser); alice annotates, carol adjudicates."""
    tag = f"{os.getpid()}_{pg_db.split('?')[0].rsplit('_', 1)[1]}"
    alice, carol = f"alice_{tag}", f"carol_{tag}"
    r = runner.invoke(cli, ["import", str(SEED), "--db", pg_db, "--dataset", "seed", "--quiet", "--no-suggest"])
    assert r.exit_code == 0, r.output
    for role, right in ((alice, "--annotate"), (carol, "--adjudicate")):
        r = runner.invoke(cli, ["db", "grant", role, right, "--db", pg_db])
        assert r.exit_code == 0, r.output
        assert f"created role {role}" in r.output
    return pg_db, alice, carol


def test_an_annotator_writes_only_under_their_own_name(team):
    db, alice, _ = team
    with open_store(as_role(db, alice)) as s:
        u1, u2 = s.next_units("seed", alice, limit=2)
        s.add_annotation(Annotation(unit_id=u1.id, annotator=alice, answer="accept",
                                    spans=[Span(start=0, end=3, label="ORG")]))
        with pytest.raises(DatabaseError, match=r"refused for role .*row-level security.*annotations"):
            s.add_annotation(Annotation(unit_id=u2.id, annotator="bob", answer="accept"))
        with pytest.raises(DatabaseError, match="refused for role"):
            s.next_units("seed", "bob", limit=1)  # nor take units in someone else's name
        s.undo_last("seed", alice)  # her own undo is hers to write
    assert query(db, "SELECT annotator, answer FROM annotations ORDER BY id") == [(alice, "accept"), (alice, "undo")]
    assert query(db, "SELECT COUNT(*) FROM leases WHERE annotator = 'bob'") == [(0,)]


def test_gold_needs_adjudication_and_is_written_as_oneself(team):
    db, alice, carol = team
    (unit,) = query(db, "SELECT id FROM units ORDER BY id LIMIT 1")
    with open_store(as_role(db, alice)) as s:
        with pytest.raises(DatabaseError, match="refused for role .*permission denied for table gold"):
            s.set_gold(Gold(unit_id=unit[0], adjudicator=alice, spans=[]))
    with open_store(as_role(db, carol)) as s:
        s.set_gold(Gold(unit_id=unit[0], adjudicator=carol, spans=[Span(start=0, end=3, label="ORG")]))
        with pytest.raises(DatabaseError, match="row-level security"):
            s.set_gold(Gold(unit_id=unit[0], adjudicator=alice, spans=[]))
    assert query(db, "SELECT adjudicator FROM gold") == [(carol,)]


def test_only_the_lead_changes_datasets_and_a_refusal_is_one_line(team, runner, tmp_path):
    db, alice, _ = team
    before = query(db, "SELECT COUNT(*) FROM units")
    r = runner.invoke(cli, ["import", str(SEED), "--db", as_role(db, alice), "--dataset", "mine", "--quiet"])
    assert r.exit_code == 3, r.output
    assert "refused for role" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1
    r = runner.invoke(cli, ["dataset", "set", "seed", "--overlap", "3", "--db", as_role(db, alice)])
    assert r.exit_code == 3 and "refused for role" in r.output
    assert query(db, "SELECT name, overlap FROM datasets") == [("seed", 1)]
    with pytest.raises(Exception, match="row-level security"):  # claims may lock units, never change them
        query(as_role(db, alice), "UPDATE units SET meta = 'mine'")
    assert query(db, "SELECT COUNT(*) FROM units") == before
    open_store(tmp_path / "x.db").close()
    r = runner.invoke(cli, ["db", "grant", "zed", "--lead", "--db", str(tmp_path / "x.db")])
    assert r.exit_code != 0 and "only on PostgreSQL" in r.output


def test_a_lead_role_imports_and_suggests(team, runner):
    """A role granted --lead (not the database's owner, so row-level security applies to it
    and COPY is not allowed) imports a new dataset all the same."""
    db, _, _ = team
    lead = f"lead_{db.split('?')[0].rsplit('_', 1)[1]}_{os.getpid()}"
    assert runner.invoke(cli, ["db", "grant", lead, "--lead", "--db", db]).exit_code == 0
    r = runner.invoke(cli, ["import", str(SEED), "--db", as_role(db, lead), "--dataset", "second", "--quiet"])
    assert r.exit_code == 0, r.output
    assert query(db, "SELECT COUNT(*) FROM units u JOIN datasets d ON d.id = u.dataset_id WHERE d.name = 'second'") \
        == query(db, "SELECT COUNT(*) FROM units u JOIN datasets d ON d.id = u.dataset_id WHERE d.name = 'seed'")


def test_the_owner_needs_createrole_to_grant_and_is_told_so_in_one_line(runner, pg_db):
    """The README's set-up: the lead owns the database and is no superuser. Without CREATEROLE
    `db grant` is refused in one line that says what to do, and changes nothing; with it, the
    grant goes through and the new role labels."""
    tag = f"{os.getpid()}_{pg_db.split('?')[0].rsplit('_', 1)[1]}"
    lead, dave = f"owner_{tag}", f"dave_{tag}"
    name = urlsplit(pg_db).path.lstrip("/")
    query(pg_db, f'CREATE ROLE "{lead}" LOGIN')
    query(pg_db, f'ALTER DATABASE "{name}" OWNER TO "{lead}"')
    owner = as_role(pg_db, lead)
    r = runner.invoke(cli, ["import", str(SEED), "--db", owner, "--dataset", "seed", "--quiet", "--no-suggest"])
    assert r.exit_code == 0, r.output
    before = dump_db(pg_db)
    r = runner.invoke(cli, ["db", "grant", dave, "--annotate", "--db", owner])
    assert r.exit_code == 1, r.output
    assert r.output.startswith("Error: ") and len(r.output.strip().splitlines()) == 1
    assert f"role '{lead}' may not give rights here" in r.output and f"ALTER ROLE {lead} CREATEROLE" in r.output
    assert "nothing was changed" in r.output and "Traceback" not in r.output
    assert query(pg_db, "SELECT COUNT(*) FROM pg_roles WHERE rolname = ?", (dave,)) == [(0,)]
    assert dump_db(pg_db) == before
    query(pg_db, f'ALTER ROLE "{lead}" CREATEROLE')
    r = runner.invoke(cli, ["db", "grant", dave, "--annotate", "--db", owner])
    assert r.exit_code == 0, r.output
    assert f"created role {dave}" in r.output
    with open_store(as_role(pg_db, dave)) as s:
        (unit,) = s.next_units("seed", dave, limit=1)
        s.add_annotation(Annotation(unit_id=unit.id, annotator=dave, answer="accept"))
    assert query(pg_db, "SELECT annotator, answer FROM annotations") == [(dave, "accept")]


def test_an_annotators_screen_records_itself_under_their_role(team):
    """A labelling screen records itself in ``label_sessions`` as the annotator's role, and a
    review screen as the adjudicator's: the rows are theirs to write, no one else's. Before,
    every role's screen said `cannot record this screen: … permission denied`."""
    db, alice, carol = team
    with open_store(as_role(db, alice)) as s:
        screen, others = s.open_label_session("seed", alice)
        assert others == [] and s.touch_label_session(screen, "seed", alice) == []
        with pytest.raises(DatabaseError, match="row-level security"):
            s.open_label_session("seed", carol)
    with open_store(as_role(db, carol)) as s:
        review, others = s.review_presence(None, "seed", carol, None)
        assert others == []
        s.close_label_session(review)
    assert query(db, "SELECT annotator, screen FROM label_sessions") == [(alice, "label")]
    with open_store(as_role(db, alice)) as s:
        s.close_label_session(screen)
    assert query(db, "SELECT COUNT(*) FROM label_sessions") == [(0,)]


def test_a_migration_gives_the_roles_their_rights_on_what_it_adds(team):
    """Roles were set up (`annotator db grant`) on a database of an older version; the
    migration that adds to the schema gives them their rights on it, without running `db
    grant` again. Here: m011 undone and label_sessions' grant and policy taken back, as they
    were on a database whose roles were set up before label_sessions existed."""
    db, alice, _ = team
    for sql in ("ALTER TABLE label_sessions DROP COLUMN screen, DROP COLUMN unit_id",
                "REVOKE ALL ON label_sessions FROM annotator_annotate",
                "DROP POLICY annotator_own ON label_sessions", "DROP POLICY annotator_read ON label_sessions",
                "ALTER TABLE label_sessions DISABLE ROW LEVEL SECURITY",
                "DELETE FROM annotator_migrations WHERE name = 'm011_review_sessions'"):
        query(db, sql)
    with pytest.raises(DatabaseError, match=rf"needs upgrading .* 'm011_review_sessions'\), which role '{alice}'"
                       r" may not do: the database's owner opens it once"):
        open_store(as_role(db, alice))  # alice may not migrate it: one line, not psycopg's traceback
    open_store(db).close()  # the lead opens it with the new version: m011 runs
    with open_store(as_role(db, alice)) as s:
        screen, _ = s.open_label_session("seed", alice)
    assert query(db, "SELECT annotator, screen FROM label_sessions") == [(alice, "label")]
