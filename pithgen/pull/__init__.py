"""``pithgen pull``: grow a records folder from Pith or any conforming mirror.

Everything fetched is untrusted until it has passed exactly the checks of
``pithgen verify``; only then is it written into the records folder, one file at a time,
atomically, under a name derived from its verified Pith Number. One module a job:

- :mod:`~pithgen.pull.paths`: the grammar of every path fetched from a source;
- :mod:`~pithgen.pull.http`: the HTTP client (timeouts, size limit, gzip, retries with
  backoff and ``Retry-After``, conditional requests, redirects only to allowed hosts);
- :mod:`~pithgen.pull.local`: a built site in a local folder (or a ``file://`` URL) as a
  source;
- :mod:`~pithgen.pull.source`: opening a source and reading its ``pith-mirrors.json``;
- :mod:`~pithgen.pull.resolve`: reading a pithgen site's resolve index;
- :mod:`~pithgen.pull.plan`: identifiers (every form of spec section 3) to what to fetch;
- :mod:`~pithgen.pull.admit`: what the records folder holds, verification of a fetched
  document, the conflict rules and the atomic write;
- :mod:`~pithgen.pull.state`: the resume state and the conditional-request cache;
- :mod:`~pithgen.pull.run`: the run itself (bounded concurrency, outcomes);
- :mod:`~pithgen.pull.command`: the click command and its reports.
"""
