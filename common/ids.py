"""``column IN (a set of ids)``, planned as the short list it is.

PostgreSQL estimates ``id IN (SELECT ...)`` from the table statistics of what the subquery reads,
not from the ids it will return: a user's visible referrals inside a UNION of relationships are
"about 16,000" whichever user asks, and the open first-response clocks of the whole trust are
hashed to join with them. When one locality has a large unworked backlog, every clinician's triage
queue then pays for hashing it (issue 17: with 150,000 open clocks, 245 ms for the count and
rows of a queue of 171).

Written as ``id = ANY(ARRAY(SELECT ...))``, the subquery runs once on its own (an InitPlan) and the
outer query is planned for a short list of ids, probing its index for each: the cost follows the
ids the subquery returns, the asker's own, not the size of the table. Use it where the set is
bounded by who asks (their visible referrals, their queue), not where it may be most of a table.

Other databases (the demo's SQLite) get the plain ``IN (SELECT ...)``: the same rows.
"""

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, QuerySet, Subquery


class AmongIds(Expression):
    """A condition for ``filter()``: ``column`` is one of the ids ``ids`` (a one-column
    ``values()`` query, a UNION of them included) returns."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str, ids: QuerySet[Any, Any]) -> None:
        super().__init__()
        self.column: Any = F(column)
        self.ids: Any = Subquery(ids)

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.ids]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.column, self.ids = exprs

    template = "{column} IN {ids}"  # ids compiles as "(SELECT ...)", parenthesised

    def as_sql(self, compiler: Any, connection: Any, template: str | None = None) -> tuple[str, tuple[Any, ...]]:
        column_sql, column_params = compiler.compile(self.column)
        ids_sql, ids_params = compiler.compile(self.ids)
        sql = (template or self.template).format(column=column_sql, ids=ids_sql)
        return sql, (*column_params, *ids_params)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        return self.as_sql(compiler, connection, template="{column} = ANY(ARRAY{ids})")
