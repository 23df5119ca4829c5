"""Full-text search index on messages, in each database's own engine (see docs/search.md).

Raw SQL, outside the Django model: SQLite gets an FTS5 external-content table kept in step by
triggers; PostgreSQL gets a generated tsvector column with a GIN index. The SQL is frozen here on
purpose; `carefront.conversations.search.search_index_ensure` repairs the SQLite triggers if a
later table rebuild drops them.
"""

import logging

from django.db import migrations, transaction

logger = logging.getLogger("carefront.conversations")

FTS = "conversations_message_fts"
COLUMNS = "subject, body_text, from_name, from_address"
OLD = "old.subject, old.body_text, old.from_name, old.from_address"
NEW = "new.subject, new.body_text, new.from_name, new.from_address"

SQLITE_FORWARD = [
    # remove_diacritics 2: "cafe" finds "café", "Muller" finds "Müller", in every Latin script.
    f"""CREATE VIRTUAL TABLE {FTS} USING fts5(
        {COLUMNS},
        content='conversations_message', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER conversations_message_fts_ai AFTER INSERT ON conversations_message BEGIN
        INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"""CREATE TRIGGER conversations_message_fts_ad AFTER DELETE ON conversations_message BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
    END""",
    f"""CREATE TRIGGER conversations_message_fts_au
    AFTER UPDATE OF {COLUMNS} ON conversations_message BEGIN
        INSERT INTO {FTS}({FTS}, rowid, {COLUMNS}) VALUES ('delete', old.id, {OLD});
        INSERT INTO {FTS}(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",
    f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS conversations_message_fts_ai",
    "DROP TRIGGER IF EXISTS conversations_message_fts_ad",
    "DROP TRIGGER IF EXISTS conversations_message_fts_au",
    f"DROP TABLE IF EXISTS {FTS}",
]

PG_CONFIG = "carefront_search"
PG_FORWARD = [
    f"CREATE TEXT SEARCH CONFIGURATION {PG_CONFIG} (COPY = pg_catalog.simple)",
    # Body text is capped: a tsvector holds at most 1 MB, and an oversized one would make the
    # INSERT fail, i.e. lose the message. 100,000 characters is the longest reply we write.
    f"""ALTER TABLE conversations_message ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('{PG_CONFIG}'::regconfig, coalesce(subject, '')), 'A')
        || setweight(to_tsvector('{PG_CONFIG}'::regconfig,
                                 coalesce(from_name, '') || ' ' || coalesce(from_address, '')), 'B')
        || setweight(to_tsvector('{PG_CONFIG}'::regconfig,
                                 left(coalesce(body_text, ''), 100000)), 'D')
    ) STORED""",
    "CREATE INDEX conversations_message_search_idx ON conversations_message "
    "USING gin (search_vector)",
]
PG_BACKWARD = [
    "DROP INDEX IF EXISTS conversations_message_search_idx",
    "ALTER TABLE conversations_message DROP COLUMN IF EXISTS search_vector",
    f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {PG_CONFIG}",
]


def _pg_unaccent_available(schema_editor) -> bool:
    """Install `unaccent` if we may (it is a trusted extension since PostgreSQL 13)."""
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    except Exception as exc:  # any failure just means: search without unaccent
        logger.warning(
            "PostgreSQL extension unaccent is not available (%s); search will treat accented "
            "and plain letters as different. Install it (contrib) and rerun this migration.",
            exc,
        )
        return False
    return True


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)
    elif vendor == "postgresql":
        unaccent = _pg_unaccent_available(schema_editor)
        schema_editor.execute(PG_FORWARD[0])
        if unaccent:
            # Only the token types that can hold non-ASCII letters need unaccent.
            schema_editor.execute(
                f"ALTER TEXT SEARCH CONFIGURATION {PG_CONFIG} "
                "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, simple"
            )
        for sql in PG_FORWARD[1:]:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE_BACKWARD, "postgresql": PG_BACKWARD}.get(vendor, [])
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forward, backward, elidable=False),
    ]
