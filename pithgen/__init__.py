"""pithgen: verify Pith records and build a static, re-verifiable Pith mirror."""

__version__ = "0.1.0"
