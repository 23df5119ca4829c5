"""Queries the runner issues for every change, with their SQL built once per process.

Building the SQL of a query with joins costs Django's compiler about a millisecond here, seven
times the cost of running it; the runner reads one conversation (and its message) for every
change. A `Prepared` query is an ordinary queryset compiled once per database connection
(alias and vendor) with marker values; later reads run the same SQL with the real values and
turn the rows into model instances with Django's own machinery (converters, related
populators), so the instances are the ones `queryset.first()` would give. When the markers
cannot be found among the compiled parameters, it falls back to the queryset.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.constants import OnConflict
from django.db.models.query import _get_from_db, get_related_populators
from django.db.models.sql import InsertQuery

MARKERS = (987_654_321_001, 987_654_321_002, 987_654_321_003)


@dataclass
class _Compiled:
    sql: str
    params: list
    slots: list[int]  # where each value goes in params
    compiler: object
    converters: dict
    start: int
    end: int
    init_list: list[str]
    from_db: Callable
    populators: list


class Prepared:
    """`build(*values) -> QuerySet`; `first(*values)` runs it (integer values only)."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self._compiled: dict[tuple[str, str], _Compiled | None] = {}
        self._model = None

    def first(self, *values: int):
        if self._model is None:
            self._model = self.build(*values).model
        db = router.db_for_read(self._model)
        connection = connections[db]
        key = (db, connection.vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(db, len(values))
        compiled = self._compiled[key]
        if compiled is None:
            return self.build(*values).first()
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        if compiled.converters:
            row = next(iter(compiled.compiler.apply_converters([row], compiled.converters)))
        obj = compiled.from_db(db, compiled.init_list, row[compiled.start : compiled.end])
        for populator in compiled.populators:
            populator.populate(row, obj)
        return obj

    def _compile(self, db: str, count: int) -> _Compiled | None:
        markers = MARKERS[:count]
        queryset = self.build(*markers)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")
        query = queryset[:1].query
        compiler = query.get_compiler(using=db)
        sql, params = compiler.as_sql()
        params = list(params)
        try:
            slots = [params.index(marker) for marker in markers]
        except ValueError:
            return None
        if len(set(slots)) != count or any(params.count(m) != 1 for m in markers):
            return None
        klass_info = compiler.klass_info
        select = compiler.select
        start, end = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        fetch_mode = queryset._fetch_mode
        return _Compiled(
            sql=sql,
            params=params,
            slots=slots,
            compiler=compiler,
            converters=compiler.get_converters([s[0] for s in select[: compiler.col_count]]),
            start=start,
            end=end,
            init_list=[f[0].target.attname for f in select[start:end]],
            from_db=_get_from_db(klass_info["model"], fetch_mode),
            populators=get_related_populators(klass_info, select, db, fetch_mode),
        )


class PreparedInsert:
    """`insert(objs)`: INSERT ... ignoring conflicts (as `bulk_create(ignore_conflicts=True)`,
    without returning ids), one statement built once per connection and run for every row."""

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._compiled: dict[tuple[str, str], tuple[str, list, object] | None] = {}

    def insert(self, objs: list[Model]) -> None:
        if not objs:
            return
        db = router.db_for_write(self.model)
        connection = connections[db]
        key = (db, connection.vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(db, objs[0])
        compiled = self._compiled[key]
        if compiled is None:
            self.model._base_manager.using(db).bulk_create(objs, ignore_conflicts=True)
            return
        sql, fields, compiler = compiled
        rows = [
            [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in fields]
            for obj in objs
        ]
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)

    def _compile(self, db: str, sample: Model):
        opts = self.model._meta
        fields = [
            f
            for f in opts.concrete_fields
            if not f.generated and not f.primary_key and not f.has_db_default()
        ]
        if opts.pk.has_default() or not opts.pk.db_returning:
            return None  # ids must come from the database
        query = InsertQuery(self.model, on_conflict=OnConflict.IGNORE)
        query.insert_values(fields, [copy.copy(sample)])
        compiler = query.get_compiler(using=db)
        statements = compiler.as_sql()
        if len(statements) != 1:
            return None
        sql, params = statements[0]
        if len(params) != len(fields) or sql.count("%s") != len(fields):
            return None  # a field with its own placeholder: let the ORM do it
        return sql, fields, compiler
