"""The Pith Open Graph: signed events about records, each judged, merged into a state.

- :mod:`~pithgen.events.envelope`: the ``event_id`` rule, the signature, and the state of
  each event (:class:`~pithgen.events.envelope.EventVerdict`);
- :mod:`~pithgen.events.schemas` and :mod:`~pithgen.events.grammar`: each event type's
  payload schema and the field grammars;
- :mod:`~pithgen.events.slots`: single-valued slots (equivocation) and claim keys;
- :mod:`~pithgen.events.merge` and :mod:`~pithgen.events.current`: the deterministic merge
  (``pith-open-graph-merge-v1`` as pithgen defines it) into ``state.json`` and
  ``events.json``;
- :mod:`~pithgen.events.sign`: building signed events; :mod:`~pithgen.events.files`: event
  files (``.jsonl``) and routing their events to records;
- :mod:`~pithgen.events.command`: ``pithgen event add``.

Every rule is written down in docs/events.md.
"""
