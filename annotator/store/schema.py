"""Names the store needs at every start, without importing the migration code.

``SHIPPED_MIGRATIONS`` lists the migrations in ``migrations.py`` in order; a test keeps the two
in step. Opening a database whose recorded migrations equal it needs no sqlite-utils import.
"""

MIGRATION_SET = "annotator"
MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-utils' Migrations.migrations_table
SHIPPED_MIGRATIONS: tuple[str, ...] = ("m001_initial", "m002_export_parts", "m003_agreement_columns", "m004_unit_extents",
                                     "m005_leases", "m007_imports", "m008_compact_parts",
                                     "m009_external_ids_only", "m010_label_sessions",
                                     "m011_review_sessions")
