"""Outgoing notifications: in-app rows, email, and the Feishu/DingTalk custom-robot webhooks.

``messages`` builds what is said from a whitelisted dict (never a model instance, never buyer
phone/address); ``feishu`` / ``dingtalk`` / ``email`` know each channel's wire format and signing;
``delivery`` sends one Delivery row, records the outcome and schedules retries with backoff.
"""
