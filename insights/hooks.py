"""Registries through which apps above ``cases`` add to the insights pages and reports without insights
importing them (the dependency runs from them to insights; see reviewdesk.hooks for ``Registry``).

Each builder is registered from its app's ``AppConfig.ready()``; insights calls every one, in order.
"""

from reviewdesk.hooks import Registry

dashboard_tables = Registry(
    "dashboard_tables",
    "Callables (filters: insights.selectors.dashboard.Filters, *, now: datetime) -> list[insights.tables.Table], "
    "appended after the dashboard's own tables (page, XLSX and export jobs alike). ``filters.shop_ids`` are "
    "already the permitted shops. Each builder reads a constant number of queries whatever the number of "
    "rows or departments (the work-order table: 2, and the business calendars its answer times are counted "
    "on, read once each): the dashboard has a query budget.",
)

weekly_sections = Registry(
    "weekly_sections",
    "Callables (*, week: IsoWeek, shop_ids: tuple[int, ...], top_issue_keys: list[str]) -> "
    "list[insights.tables.Table]: what other apps add to the weekly Top-3 report for the week's top issue "
    "types (their keys as in the issue-type rollup: the IssueType id as text, '' for unclassified). Shown "
    "on the weekly page and written as sheets of its workbook (an empty list adds nothing). ``shop_ids`` "
    "are the report's shops: one shop, a client's shops (a client's report) or every permitted shop.",
)

weekly_recipients = Registry(
    "weekly_recipients",
    "Callables (*, shop_id: int | None, shop_ids: tuple[int, ...] | None = None) -> set[int]: user ids "
    "that also receive the weekly Top-3 report of that shop (None = the all-shops report) in the app, "
    "besides insights' own ReportRecipient rows. A client's report calls with shop_id=None and shop_ids= "
    "the client's shops; a callable without a ``shop_ids`` parameter (or **kwargs) is not asked for it.",
)

weekly_sent = Registry(
    "weekly_sent",
    "Callables (*, report: insights.models.WeeklyReport) -> None, called after a weekly Top-3 report was "
    "stored and sent to its recipients (``weekly_report_notify``), e.g. the departments' group robots of "
    "workorders. Each must be idempotent: a re-run of the weekly schedule calls it again for the same report.",
)
