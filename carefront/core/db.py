"""Database helpers the ORM lacks."""

from collections.abc import Sequence

from django.db import connections, models, router


def bulk_update_rows(objs: Sequence[models.Model], fields: list[str]) -> None:
    """Write `fields` of many rows with one prepared UPDATE run through `executemany`.

    Same result as `QuerySet.bulk_update`, whose CASE WHEN statement costs milliseconds of
    Python per row to build; values still go through each field's own preparation.
    """
    if not objs:
        return
    model = type(objs[0])
    database = router.db_for_write(model)
    connection = connections[database]
    quote = connection.ops.quote_name
    meta = model._meta
    concrete = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in concrete)
    # Only quoted identifiers from the model are interpolated; values are parameters.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    rows = []
    for obj in objs:
        row = [
            field.get_db_prep_save(field.pre_save(obj, add=False), connection) for field in concrete
        ]
        row.append(meta.pk.get_db_prep_value(obj.pk, connection))
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def bulk_insert_values(
    model: type[models.Model], rows: Sequence[dict], *, same: dict | None = None
) -> None:
    """Insert many rows given as {field name: value} (every row the same fields) with one
    prepared INSERT run through `executemany`: for write-only rows nobody reads back (queue
    entries), where `bulk_create`'s per-object compilation would cost more than the writes.
    Values go through each field's own preparation (those in `same`, common to every row, once);
    nothing is returned."""
    if not rows:
        return
    same = same or {}
    database = router.db_for_write(model)
    connection = connections[database]
    quote = connection.ops.quote_name
    meta = model._meta
    # Names may be attnames ("conversation_id" with an id as its value).
    names = list(rows[0])
    concrete = [meta.get_field(name) for name in names]
    fixed = [meta.get_field(name) for name in same]
    fixed_values = [
        field.get_db_prep_save(same[name], connection)
        for name, field in zip(same, fixed, strict=True)
    ]
    columns = ", ".join(quote(field.column) for field in [*concrete, *fixed])
    marks = ", ".join(["%s"] * (len(concrete) + len(fixed)))
    # Only quoted identifiers from the model are interpolated; values are parameters.
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    pairs = list(zip(names, concrete, strict=True))
    prepared = [
        [field.get_db_prep_save(row[name], connection) for name, field in pairs] + fixed_values
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)
