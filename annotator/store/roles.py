"""Who may write what, on PostgreSQL: one database role per person, three group roles, and
row-level security (``annotator db grant``). SQLite has no roles: nothing here applies to it.

- ``annotator_annotate``: reads everything; writes only its own decisions — an
  ``annotations`` row, a current decision, an assignment, whose ``annotator`` is the role's
  own name (``current_user``), so no one writes under another's name;
- ``annotator_adjudicate``: also writes gold, as itself;
- ``annotator_lead``: writes everything (import, suggestions, dataset settings, anyone's rows).

Each is a member of the one before it. The group roles are the cluster's; the grants are on
this database's tables. A write a role may not make fails with PostgreSQL's
``insufficient_privilege``, which the store reports as one line (:mod:`annotator.store.dialect`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from annotator.errors import UserError

if TYPE_CHECKING:
    from annotator.store import Store

#: PostgreSQL's SQLSTATE for a statement the role has no right to run.
INSUFFICIENT_PRIVILEGE = "42501"

ANNOTATE, ADJUDICATE, LEAD = "annotator_annotate", "annotator_adjudicate", "annotator_lead"
RIGHTS = {"annotate": ANNOTATE, "adjudicate": ADJUDICATE, "lead": LEAD}

#: Tables an annotator writes: (table, column naming whose row it is, privileges).
OWN_ROWS = [
    ("annotations", "annotator", "INSERT"),
    ("decisions", "annotator", "INSERT, UPDATE, DELETE"),
    ("leases", "annotator", "INSERT, UPDATE, DELETE"),
    ("label_sessions", "annotator", "INSERT, UPDATE, DELETE"),  # the screens one has open
]
#: Ids of names and labels, shared by every writer (written with a decision).
SHARED_IDS = ["annotator_ids", "span_labels"]


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _setup_statements() -> list[str]:
    """The group roles, their grants and the row-level security policies (idempotent)."""
    out = []
    for group in (ANNOTATE, ADJUDICATE, LEAD):
        out.append(f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN"
                   f" CREATE ROLE {group} NOLOGIN; END IF; END $$")
    out += [
        f"GRANT {ANNOTATE} TO {ADJUDICATE}",
        f"GRANT {ADJUDICATE} TO {LEAD}",
        f"GRANT USAGE ON SCHEMA public TO {ANNOTATE}",
    ]
    return out + table_statements()


def uses_roles(raw: Any) -> bool:
    """Whether ``db grant`` set up this database's policies (``raw``: a psycopg connection)."""
    return raw.execute("SELECT 1 FROM pg_policies WHERE tablename = 'annotations' AND policyname = 'annotator_own'"
                       ).fetchone() is not None


def table_statements() -> list[str]:
    """The group roles' grants on the tables and the row-level security policies (idempotent;
    run again by a migration of a database that :func:`uses_roles`, so that what the
    migration adds gets its grants: it needs the tables' owner, who alone can migrate)."""
    lead = f"pg_has_role(current_user, '{LEAD}', 'MEMBER')"
    out = [
        f"GRANT SELECT ON ALL TABLES IN SCHEMA public TO {ANNOTATE}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {ANNOTATE}",
        f"GRANT INSERT ON {', '.join(SHARED_IDS)} TO {ANNOTATE}",
        f"GRANT INSERT ON gold TO {ADJUDICATE}",
        f"GRANT INSERT, UPDATE, DELETE ON gold_current TO {ADJUDICATE}",
        f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {LEAD}",
        f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {LEAD}",
    ]
    for table, column, privileges in OWN_ROWS:
        out += [
            f"GRANT {privileges} ON {table} TO {ANNOTATE}",
            f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
            f"DROP POLICY IF EXISTS annotator_read ON {table}",
            f"CREATE POLICY annotator_read ON {table} FOR SELECT USING (true)",
            f"DROP POLICY IF EXISTS annotator_own ON {table}",
            f"CREATE POLICY annotator_own ON {table} FOR ALL USING ({column} = current_user OR {lead})"
            f" WITH CHECK ({column} = current_user OR {lead})",
        ]
    # A lease claim locks the units it takes (SELECT … FOR UPDATE SKIP LOCKED), which needs an
    # UPDATE grant on the table; row-level security lets that lock every row and refuses every
    # actual change to a unit except the lead's.
    out += [
        f"GRANT UPDATE (meta) ON units TO {ANNOTATE}",
        "ALTER TABLE units ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS annotator_read ON units",
        "CREATE POLICY annotator_read ON units FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS annotator_lock ON units",
        f"CREATE POLICY annotator_lock ON units FOR UPDATE USING (true) WITH CHECK ({lead})",
        "DROP POLICY IF EXISTS annotator_lead ON units",
        f"CREATE POLICY annotator_lead ON units FOR ALL USING ({lead}) WITH CHECK ({lead})",
    ]
    out += [
        "ALTER TABLE gold ENABLE ROW LEVEL SECURITY",
        "DROP POLICY IF EXISTS annotator_read ON gold",
        "CREATE POLICY annotator_read ON gold FOR SELECT USING (true)",
        "DROP POLICY IF EXISTS annotator_own ON gold",
        f"CREATE POLICY annotator_own ON gold FOR INSERT WITH CHECK (adjudicator = current_user OR {lead})",
    ]
    return out


def grant(store: Store, role: str, right: str, *, login: bool = True) -> list[str]:
    """Give ``role`` (created, able to log in, if it does not exist) one of :data:`RIGHTS` on
    this database, setting up the group roles and policies first; returns what was done."""
    if store.engine != "postgresql":
        raise UserError(f"{store.path}: roles exist only on PostgreSQL (an SQLite file is whoever can open it)")
    if right not in RIGHTS:
        raise UserError(f"unknown right {right!r} (one of: {', '.join(RIGHTS)})")
    if not role or role.startswith("pg_") or role in RIGHTS.values():
        raise UserError(f"{role!r} cannot be an annotator's role")
    raw = store.conn.raw
    done = []
    try:
        with store.write():
            for sql in _setup_statements():
                raw.execute(sql)
            exists = raw.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
            if not exists:
                raw.execute(f"CREATE ROLE {_ident(role)} {'LOGIN' if login else 'NOLOGIN'}")
                done.append(f"created role {role}")
            for other in RIGHTS.values():
                if other != RIGHTS[right]:
                    raw.execute(f"REVOKE {other} FROM {_ident(role)}")
            raw.execute(f"GRANT {RIGHTS[right]} TO {_ident(role)}")
            done.append(f"{role} may {right}" + (" (and annotate)" if right != "annotate" else ""))
    except Exception as e:
        if getattr(e, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        me = current_role(store)
        message = (getattr(getattr(e, "diag", None), "message_primary", None) or str(e)).strip()
        raise UserError(f"{store.path}: role {me!r} may not give rights here ({message}): run"
                        " `annotator db grant` as the database's owner with the CREATEROLE attribute"
                        f" (createuser --createrole, or ALTER ROLE {me} CREATEROLE) or as a superuser;"
                        " nothing was changed") from None
    return done


def current_role(store: Store) -> str | None:
    """The role this connection writes as (PostgreSQL), None on SQLite."""
    if store.engine != "postgresql":
        return None
    return str(store.conn.raw.execute("SELECT current_user").fetchone()[0])
