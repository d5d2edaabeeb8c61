"""The compliance checker's parts: the normaliser (text → canonical form with a map back to the original)
and the matchers of the three rule kinds. ``policies.engine.messaging.check_compliance`` is the one entry
point every outbound word passes (conventions rule 18)."""
