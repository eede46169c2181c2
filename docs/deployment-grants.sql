-- Privileges of the application's PostgreSQL role (integrity-plan workflow).
--
-- The audit log is append-only: every state change adds one hash-chained entry, and auditors
-- must be able to prove afterwards that nothing was altered (docs/audit-log.md). The database
-- triggers of migration 0003 already refuse UPDATE, DELETE and TRUNCATE on the audit tables, but
-- the owner of a table can switch its triggers off. So the application must NOT own the tables:
--
--   * an owner role (e.g. workflow_owner) owns the database objects and runs the migrations
--     (`flask --app workflow_app db upgrade` with DATABASE_URL set to the owner);
--   * the application role (e.g. workflow_app) logs in for the web workers and the `flask`
--     commands of daily work, with exactly the privileges below. It may only INSERT and SELECT
--     the audit tables; it can neither change nor remove audit rows, nor disable the triggers
--     ("must be owner"), nor set session_replication_role.
--
-- The application role must not be a superuser, must not own any table, and must not be a member
-- of the owner role. Create it once, as a superuser or a role with CREATEROLE:
--
--   CREATE ROLE workflow_app LOGIN PASSWORD '...' NOSUPERUSER NOCREATEDB NOCREATEROLE;
--
-- Then run this file as the owner of the tables (or a superuser), after every migration
-- (a migration that adds a table or a sequence needs the grants again; the REVOKEs make
-- re-running safe):
--
--   psql -v ON_ERROR_STOP=1 -v app_role=workflow_app -v app_database=integrity_workflow \
--        -d integrity_workflow -f docs/deployment-grants.sql
--
-- These statements are tested: tests/integration/test_audit_append_only.py (APP_ROLE_GRANTS)
-- runs the whole workflow as a role holding exactly them, and checks this file against them.

\if :{?app_role}
\else
  \echo 'set the application role: psql -v app_role=NAME -v app_database=NAME -f ...'
  \quit
\endif

-- Start from nothing: anything granted earlier (an UPDATE on an audit table, say) goes.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"app_role";
REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"app_role";

GRANT CONNECT ON DATABASE :"app_database" TO :"app_role";
GRANT USAGE ON SCHEMA public TO :"app_role";

-- The application's own tables: read and write (every change to them is audited by the
-- application itself).
GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE
    units, users, role_assignments, api_tokens,
    plans, strategies, tactics, activities, activity_levels,
    submissions, evidence_items, workflow_decisions, outbox_jobs, outbox_cursors
    TO :"app_role";

-- The single row that serialises appenders: read, and update under SELECT ... FOR UPDATE.
GRANT SELECT, UPDATE ON TABLE audit_chain_head TO :"app_role";

-- Every unit's ancestors, written only by the trigger on units (which runs with the owner's
-- rights): paths decide who may see and do what, so the application may only read them.
GRANT SELECT ON TABLE unit_ancestors TO :"app_role";

-- The audit log, its signed checkpoints and the checkpoint keys: append and read, nothing else.
GRANT SELECT, INSERT ON TABLE audit_entries, audit_checkpoints, audit_keys TO :"app_role";

-- nextval() for inserts (USAGE) and currval() (SELECT); not UPDATE, which would allow setval().
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_role";

-- Not granted, deliberately: alembic_version (only the migrations use it), TRUNCATE anywhere,
-- REFERENCES, TRIGGER, and CREATE on the schema.
