"""Offboarding a client (品牌方): everything of it handed over, and its buyers' personal data erased.

- ``export.client_export`` writes one zip: a workbook and a JSON file of the client's cases, reviews,
  revisions, timeline, contacts, replies, offers and appeals, and the policy pack in force for its shops
  (``policies.pack.export_pack`` of each layer: global, the client's, each shop's). A background job
  (``job``, kind ``client_export``, started from the client's admin page) and ``offboard_client``.
- ``erase.erase_buyer_data`` blanks the buyers' personal data of the client's reviews older than its
  ``buyer_data_retention_days``, keeping every figure: ``erase_client_pii`` and the daily schedule
  (``tasks``; reviewdesk migration 0006).
- ``access.may_offboard``: who may do either — a superuser, or whom a superuser gave the permission
  ``reviewdesk.offboard_client`` (the agency's administrator; no role has it), reaching every shop of
  the client. A client's own manager may not: the export holds every shop, case and timeline of it.
"""
