"""What the agent said on a case, for the QA pages (beside the rubric): every public reply and every
contact with the message sent and the note, oldest first. Two queries whatever the case's length.

Agents type the buyer's words and numbers into replies and notes: the texts are shown as the viewer
may see a buyer's free text (``cases.workflow.masking.free_text_for``: masked unless they may reveal
contact data)."""

from __future__ import annotations

from cases.models import ContactAttempt, Reply
from cases.workflow.masking import free_text_for
from policies.choices import Channel


def agent_messages(case, *, viewer, agent_id: int | None = None) -> list[dict]:
    """The rows, each marked ``by_agent`` when the agent under review (else the case's assignee) wrote it."""
    as_seen = free_text_for(viewer)
    agent_id = agent_id or case.assignee_id
    replies = list(Reply.objects.filter(case=case).select_related("by").order_by("at", "pk"))
    sent_with = {reply.contact_id: reply for reply in replies if reply.contact_id}
    rows = [
        {
            "at": reply.at,
            "kind": str(Channel(reply.channel).label) if reply.channel in Channel.values else reply.channel,
            "public": True,
            "by": str(reply.by),
            "by_agent": reply.by_id == agent_id,
            "text": as_seen(reply.text),
            "note": "",
            "reached": None,
        }
        for reply in replies
        if not reply.contact_id
    ]
    for contact in ContactAttempt.objects.filter(case=case).select_related("by").order_by("at", "pk"):
        sent = sent_with.get(contact.pk)
        rows.append(
            {
                "at": contact.at,
                "kind": contact.get_channel_display(),
                "public": False,
                "by": str(contact.by),
                "by_agent": contact.by_id == agent_id,
                "text": as_seen(sent.text) if sent else "",
                "note": as_seen(contact.note),
                "reached": contact.reached,
            }
        )
    rows.sort(key=lambda row: row["at"])
    return rows
