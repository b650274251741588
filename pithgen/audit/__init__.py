"""``pithgen audit``: re-verify a whole published mirror from its files alone.

A reader holding nothing but a mirror's URL (or a copy of its folder), and perhaps a log
key and a checkpoint kept from an earlier visit, checks everything the mirror claims
(docs/log.md, "Auditing a mirror"). One module a job:

- :mod:`~pithgen.audit.source`: reading the mirror (pull's clients), listing a folder;
- :mod:`~pithgen.audit.trust`: the published record keys and the log key;
- :mod:`~pithgen.audit.logcheck`: the checkpoint, entries, tiles and root;
- :mod:`~pithgen.audit.since`: the log only grew since a kept checkpoint;
- :mod:`~pithgen.audit.files`: each record's files (verification, proofs);
- :mod:`~pithgen.audit.states`: a state recomputed from its events;
- :mod:`~pithgen.audit.store`: the temporary store of entries and file hashes;
- :mod:`~pithgen.audit.compare`: the files against the log, both ways;
- :mod:`~pithgen.audit.findings`: the checks and their failures, bounded;
- :mod:`~pithgen.audit.report`: the human and JSON reports, the exit status;
- :mod:`~pithgen.audit.run`: one audit, in order; :mod:`~pithgen.audit.command` the CLI.
"""
