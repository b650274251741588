"""pithgen.toml parsing, flag precedence, template overrides and `pithgen new`."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from pithgen.build import build_site
from pithgen.cli import main
from pithgen.config import BuildConfig, load_config, normalise_base_url
from pithgen.errors import ConfigError
from pithgen.progress import Progress
from pithgen.render import Renderer, SiteInfo
from pithgen.theme import make_env

FIXTURES = Path(__file__).parent / "fixtures"
SEED = FIXTURES / "seed-record-4FP6Z27B.json"
SUFFIX = "4FP6Z27B6DFNJRYZBSXH3XON27"
ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_config_file(tmp_path: Path) -> None:
    config = load_config(None, cwd=tmp_path)
    assert config.records == tmp_path / "records"
    assert config.out == tmp_path / "site"
    assert config.base_url is None
    assert config.templates is None


def test_config_file_values_are_relative_to_its_folder(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "proj" / "pithgen.toml",
        """
[site]
title = "Mirror <one>"
base_url = "https://example.org/mirror"
page_size = 25
[build]
records = "in"
out = "public"
trust_keys = ["keys/a.json"]
keep_going = true
""",
    )
    config = load_config(cfg, cwd=tmp_path)
    assert config.records == tmp_path / "proj" / "in"
    assert config.out == tmp_path / "proj" / "public"
    assert config.base_url == "https://example.org/mirror/"
    assert config.page_size == 25
    assert config.trust_keys == (tmp_path / "proj" / "keys" / "a.json",)
    assert config.keep_going is True
    assert config.title == "Mirror <one>"


def test_flags_win_over_the_file(tmp_path: Path) -> None:
    cfg = write(tmp_path / "pithgen.toml", '[site]\nbase_url = "https://a.example/"\n')
    config = load_config(cfg, cwd=tmp_path).with_overrides(
        base_url="https://b.example/x", out=tmp_path / "elsewhere", keep_going=None
    )
    assert config.base_url == "https://b.example/x/"
    assert config.out == tmp_path / "elsewhere"
    assert config.keep_going is False


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("[site]\ntitel = 'typo'\n", "[site] titel: unknown key; expected one of base_url,"),
        ("[sight]\n", "[sight]: unknown table; expected [site], [build] and [log]"),
        ("site = 3\n", "site: expected a table [site], found an integer 3"),
        ("[site]\npage_size = 'ten'\n", "[site] page_size: expected an integer, found a string"),
        ("[site]\npage_size = true\n", "[site] page_size: expected an integer, found a boolean"),
        ("[site]\npage_size = 3\n", "[site] page_size: expected 10..10000, found 3"),
        ("[site]\nbase_url = 'ftp://x/'\n", "[site] base_url: expected an absolute http(s) URL"),
        ("[build]\ntrust_keys = [1]\n", "[build] trust_keys: expected an array of paths"),
        ("[build]\nout = 1.5\n", "[build] out: expected a string, found a float 1.5"),
        ("[site\n", "cannot read TOML"),
    ],
)
def test_bad_config_names_the_file_and_the_problem(
    tmp_path: Path, text: str, fragment: str
) -> None:
    cfg = write(tmp_path / "pithgen.toml", text)
    with pytest.raises(ConfigError) as info:
        load_config(cfg, cwd=tmp_path)
    assert fragment in str(info.value)
    assert str(cfg) in str(info.value)


def test_every_problem_of_a_config_file_is_reported_at_once(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "pithgen.toml",
        """
[site]
title = 7
titel = "typo"
page_size = 5
base_url = "https://example.org/?q=1"

[build]
keep_going = "yes"
trust_keys = "keys/a.json"

[deploy]
to = "pages"
""",
    )
    with pytest.raises(ConfigError) as info:
        load_config(cfg, cwd=tmp_path)
    lines = str(info.value).splitlines()
    assert lines[0] == f"{cfg}: 7 problems:"
    assert sorted(line.strip() for line in lines[1:]) == sorted(
        [
            "[deploy]: unknown table; expected [site], [build] and [log]",
            "[site] titel: unknown key; expected one of base_url, description, page_size, title",
            "[site] title: expected a string, found an integer 7",
            "[site] page_size: expected 10..10000, found 5",
            "[site] base_url: expected a URL without query or fragment, found "
            "'https://example.org/?q=1'",
            "[build] trust_keys: expected an array of paths (strings), found a string "
            "'keys/a.json'",
            "[build] keep_going: expected true or false, found a string 'yes'",
        ]
    )
    # The command line prints them all under one error line, exit status 2.
    records = _records_with_seed(tmp_path / "records")
    result = CliRunner().invoke(main, ["build", "--config", str(cfg), "--records", str(records)])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"pithgen: error: {cfg}: 7 problems:\n")
    assert len(result.stderr.splitlines()) == 8
    assert not (tmp_path / "site").exists()


def test_a_good_config_file_with_every_key_is_read(tmp_path: Path) -> None:
    cfg = write(
        tmp_path / "pithgen.toml",
        """
[site]
title = "T"
base_url = "https://example.org/m"
description = "D"
page_size = 10
[build]
records = "r"
out = "o"
trust_keys = ["k1.json", "k2.json"]
default_keys = false
keep_going = true
templates = "tpl"
""",
    )
    (tmp_path / "tpl").mkdir()
    config = load_config(cfg, cwd=tmp_path / "elsewhere")
    assert config == BuildConfig(
        records=tmp_path / "r",
        out=tmp_path / "o",
        base_url="https://example.org/m/",
        title="T",
        description="D",
        page_size=10,
        trust_keys=(tmp_path / "k1.json", tmp_path / "k2.json"),
        default_keys=False,
        keep_going=True,
        templates=tmp_path / "tpl",
        origin=str(cfg),
    )


def test_overrides_add_trusted_keys_and_keep_what_is_not_given(tmp_path: Path) -> None:
    base = BuildConfig(trust_keys=(tmp_path / "a.json",), title="File title", keep_going=True)
    config = base.with_overrides(trust_keys=(tmp_path / "b.json",), default_keys=False)
    assert config.trust_keys == (tmp_path / "a.json", tmp_path / "b.json")
    assert (config.title, config.keep_going, config.default_keys) == ("File title", True, False)
    assert base.with_overrides() == base
    with pytest.raises(ConfigError, match="--base-url: base URL: expected an absolute"):
        base.with_overrides(base_url="example.org")


def test_base_url_rejects_query_and_fragment() -> None:
    with pytest.raises(ConfigError):
        normalise_base_url("https://example.org/?a=1", "--base-url")
    assert normalise_base_url("http://localhost:8000", "x") == "http://localhost:8000/"


def test_site_templates_override_packaged_ones(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    templates = tmp_path / "templates"
    write(
        templates / "404.html",
        '{% extends "base.html" %}{% block main %}<p id="custom">Lost {{ site.title }}</p>'
        "{% endblock %}",
    )
    config = BuildConfig(
        records=records, out=tmp_path / "site", templates=templates, title="T&C <mirror>"
    )
    build_site(config)
    page = (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    assert '<p id="custom">Lost T&amp;C &lt;mirror&gt;</p>' in page
    # Templates not overridden still come from the package.
    record = (tmp_path / "site" / "pith" / SUFFIX / "index.html").read_text(encoding="utf-8")
    assert "Collaborative Deep Learning Across Multiple Data Centers" in record


def test_new_scaffolds_a_site_that_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    target = tmp_path / "mysite"
    result = runner.invoke(main, ["new", str(target)])
    assert result.exit_code == 0, result.output
    workflow = (target / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8")
    for action in (
        "actions/configure-pages@",
        "actions/upload-pages-artifact@",
        "actions/deploy-pages@",
    ):
        assert action in workflow
    assert "--base-url" in workflow and "steps.pages.outputs.base_url" in workflow
    # The build cache is restored before the build and saved after it (actions/cache),
    # from where pithgen keeps it by default, which git ignores.
    cache_step = workflow.index("actions/cache@")
    assert cache_step < workflow.index("pithgen build")
    assert "path: .pithgen-cache" in workflow and "restore-keys:" in workflow
    assert ".pithgen-cache/" in (target / ".gitignore").read_text(encoding="utf-8")
    # Never an unpinned install: the spec is empty until the user pins it, and says so.
    assert 'PITHGEN_SPEC: ""' in workflow and "::error" in workflow
    assert (target / "records" / SEED.name).read_bytes() == SEED.read_bytes()
    assert "site/" in (target / ".gitignore").read_text(encoding="utf-8")
    monkeypatch.chdir(target)
    built = runner.invoke(main, ["build"])
    assert built.exit_code == 0, built.output
    assert (target / "site" / "pith" / f"{SUFFIX}.json").read_bytes() == SEED.read_bytes()
    index = (target / "site" / "index.html").read_text(encoding="utf-8")
    assert "My Pith mirror" in index
    assert '<a href="https://pith.science/">Pith</a>' in index  # description rendered as Markdown


def test_new_refuses_to_overwrite(tmp_path: Path) -> None:
    write(tmp_path / "pithgen.toml", "# mine\n")
    result = CliRunner().invoke(main, ["new", str(tmp_path)])
    assert result.exit_code == 2
    assert "refusing to overwrite" in result.output
    assert (tmp_path / "pithgen.toml").read_text(encoding="utf-8") == "# mine\n"


def test_markdown_description_does_not_pass_raw_html(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    shutil.copy(SEED, records)
    config = BuildConfig(
        records=records, out=tmp_path / "site", description="Hi <script>alert(1)</script> *x*"
    )
    build_site(config)
    index = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in index
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "<em>x</em>" in index


def test_unsafe_key_id_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    records = tmp_path / "records"
    records.mkdir()
    key = write(
        tmp_path / "k.json",
        json.dumps({"key_id": "../evil", "public_key_hex": "11" * 32, "algorithm": "ed25519"}),
    )
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build", "--records", str(records), "--out", str(out), "--trust-key", str(key)]
    )
    assert result.exit_code == 2
    assert "cannot name a file" in result.output
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_folder_inside_the_records_folder_is_not_read_back(tmp_path: Path) -> None:
    shutil.copy(SEED, tmp_path)
    config = BuildConfig(records=tmp_path, out=tmp_path / "site")
    first = build_site(config)
    # site/ now holds dozens of JSON files; none is input (checked without the cache, which
    # would find the build up to date and verify nothing again)
    second = build_site(replace(config, use_cache=False))
    assert first.result is not None and second.result is not None
    assert first.result.total == second.result.total == 1
    assert second.result.failed == 0
    # the cache does not know the site the build without it wrote: the next build is full
    assert build_site(config).mode == "full"
    again = build_site(config)
    assert again.mode == "up-to-date" and again.counts is not None and again.counts["total"] == 1


def _records_with_seed(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(SEED, folder)
    return folder


@pytest.mark.parametrize(
    ("records", "out", "why"),
    [
        ("r", "r", "the records folder"),
        ("site/records", "site", "the records folder"),
        ("records", ".", "the records folder"),
        ("w/records", "w", "the records folder"),
        ("../elsewhere/records", ".", "the working folder"),
        ("../elsewhere/records", "..", "the records folder"),
    ],
)
def test_build_refuses_an_output_folder_that_would_destroy_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, records: str, out: str, why: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    _records_with_seed(work / records)
    monkeypatch.chdir(work)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(main, ["build", "--records", records, "--out", out])
    assert result.exit_code == 2, result.output
    assert why in result.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_build_refuses_to_replace_a_folder_that_is_not_a_pithgen_site(tmp_path: Path) -> None:
    records = _records_with_seed(tmp_path / "records")
    out = tmp_path / "docs"
    write(out / "important.txt", "keep me")
    result = CliRunner().invoke(main, ["build", "--records", str(records), "--out", str(out)])
    assert result.exit_code == 2
    assert "not a pithgen site" in result.output
    assert (out / "important.txt").read_text(encoding="utf-8") == "keep me"
    # An empty folder, and a previous pithgen site, are fine to replace.
    (out / "important.txt").unlink()
    for _ in range(2):
        done = CliRunner().invoke(main, ["build", "--records", str(records), "--out", str(out)])
        assert done.exit_code == 0, done.output


@pytest.mark.parametrize("layout", ["empty", "only-other-files"])
def test_build_without_any_record_file_is_a_usage_error(tmp_path: Path, layout: str) -> None:
    records = tmp_path / "records"
    records.mkdir()
    if layout == "only-other-files":
        write(records / "notes.txt", "not a record")
    result = CliRunner().invoke(
        main, ["build", "--records", str(records), "--out", str(tmp_path / "site")]
    )
    assert result.exit_code == 2
    assert "expected record files (.json or .jsonl), found none" in result.output
    assert not (tmp_path / "site").exists()


def test_a_private_key_document_is_never_trusted_nor_published(tmp_path: Path) -> None:
    from pithgen.keys import SigningKey, write_key_pair

    private, public = write_key_pair(SigningKey.from_seed("reg-1", bytes(32)), tmp_path / "k")
    records = _records_with_seed(tmp_path / "records")
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build", "--records", str(records), "--out", str(out), "--trust-key", str(private)]
    )
    assert result.exit_code == 2
    assert "PRIVATE key" in result.output
    assert not out.exists()
    # The public document is accepted; only whitelisted fields are published.
    doc = json.loads(public.read_text(encoding="utf-8"))
    public.write_text(json.dumps(dict(doc, internal_note="do not publish")), encoding="utf-8")
    done = CliRunner().invoke(
        main, ["build", "--records", str(records), "--out", str(out), "--trust-key", str(public)]
    )
    assert done.exit_code == 0, done.output
    published = (out / "keys" / "reg-1.json").read_text(encoding="utf-8")
    assert "internal_note" not in published and "private" not in published
    assert json.loads(published)["public_key_hex"] == doc["public_key_hex"]
    assert "private" not in (out / "pith-mirrors.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("{% if %}", "TemplateSyntaxError"),
        ("{{ nonexistent.attr }}", "UndefinedError"),
    ],
)
def test_a_broken_template_override_is_a_usage_error_naming_it(
    tmp_path: Path, text: str, fragment: str
) -> None:
    records = _records_with_seed(tmp_path / "records")
    write(tmp_path / "templates" / "404.html", text)
    write(tmp_path / "pithgen.toml", "")
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--config",
            str(tmp_path / "pithgen.toml"),
            "--records",
            str(records),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "404.html" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_config_flags_must_be_booleans(tmp_path: Path) -> None:
    cfg = write(tmp_path / "pithgen.toml", '[build]\ndefault_keys = "no"\n')
    with pytest.raises(ConfigError, match="default_keys: expected true or false"):
        load_config(cfg, cwd=tmp_path)


def test_the_verification_pages_list_failed_documents_first(tmp_path: Path) -> None:
    records = _records_with_seed(tmp_path / "records")
    doc = json.loads(SEED.read_text(encoding="utf-8"))
    doc["paper"]["title"] = "Tampered"
    write(records / "zz-tampered.json", json.dumps(doc))
    outcome = build_site(BuildConfig(records=records, out=tmp_path / "site", keep_going=True))
    assert outcome.written
    page = (tmp_path / "site" / "verification" / "index.html").read_text(encoding="utf-8")
    assert page.index("zz-tampered.json") < page.index(SEED.name)
    report = json.loads((tmp_path / "site" / "verification.json").read_text(encoding="utf-8"))
    assert [r["source"] for r in report["records"]] == [SEED.name, "zz-tampered.json"]


def test_an_input_changed_between_the_two_passes_stops_the_build(tmp_path: Path) -> None:
    """Pass 2 publishes only documents byte-identical to what pass 1 verified."""
    from pithgen.errors import OutputError

    records = _records_with_seed(tmp_path / "records")
    target = records / SEED.name
    out = tmp_path / "site"

    class Tamper(Progress):
        def phase(self, name: str, total: int, unit: str) -> None:
            if name == "rendering pages":  # pass 1 is done: tamper before pass 2
                target.write_bytes(target.read_bytes().replace(b"Data Centers", b"Data Centres"))

    with pytest.raises(OutputError, match="the input changed while the site was being built"):
        build_site(BuildConfig(records=records, out=out), progress=Tamper())
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".pithgen-cache", "records"]


# --- the base URL ---------------------------------------------------------------------------

EXPLOIT = "https://example.org//evil.example/"


def test_a_protocol_relative_base_path_is_refused_on_the_command_line(tmp_path: Path) -> None:
    """``//evil.example/`` as the base path would make the 404 page load its script from
    another host (``<script src="//evil.example/assets/pithgen.js">``)."""
    records = _records_with_seed(tmp_path / "records")
    out = tmp_path / "site"
    result = CliRunner().invoke(
        main, ["build", "--records", str(records), "--out", str(out), "--base-url", EXPLOIT]
    )
    assert result.exit_code == 2, result.output
    assert result.stderr == (
        "pithgen: error: --base-url: base URL: expected a path without empty segments "
        f"('//'), found '{EXPLOIT}'\n"
    )
    assert not out.exists()


def test_a_protocol_relative_base_path_is_refused_in_pithgen_toml(tmp_path: Path) -> None:
    cfg = write(tmp_path / "pithgen.toml", f'[site]\nbase_url = "{EXPLOIT}"\n')
    with pytest.raises(ConfigError) as info:
        load_config(cfg, cwd=tmp_path)
    assert str(info.value) == (
        f"{cfg}: [site] base_url: expected a path without empty segments ('//'), found '{EXPLOIT}'"
    )
    _records_with_seed(tmp_path / "records")
    result = CliRunner().invoke(main, ["build", "--config", str(cfg)])
    assert result.exit_code == 2
    assert "[site] base_url: expected a path without empty segments" in result.stderr
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize(
    ("url", "normalised"),
    [
        ("https://example.org", "https://example.org/"),
        ("https://example.org/mirror", "https://example.org/mirror/"),
        ("http://localhost:8000", "http://localhost:8000/"),
        ("HTTPS://Example.ORG/Pith/", "https://example.org/Pith/"),
        ("https://user.github.io/repo-name/", "https://user.github.io/repo-name/"),
        ("https://example.org/~me/a_b/c.d/", "https://example.org/~me/a_b/c.d/"),
        ("http://127.0.0.1:8080/x", "http://127.0.0.1:8080/x/"),
        ("http://[::1]:8000/", "http://[::1]:8000/"),
        ("https://xn--bcher-kva.example/", "https://xn--bcher-kva.example/"),
        ("https://example.org./m/", "https://example.org./m/"),
    ],
)
def test_good_base_urls(url: str, normalised: str) -> None:
    assert normalise_base_url(url, "--base-url") == normalised


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        (EXPLOIT, "without empty segments ('//')"),
        ("https://example.org/a//b/", "without empty segments ('//')"),
        ("https://example.org/a/../b/", "without '.' or '..' segments"),
        ("https://example.org/./", "without '.' or '..' segments"),
        ("https://example.org/a%2F/", "no percent-escapes"),
        ('https://example.org/a"b/', "found '\"'"),
        ("https://example.org/<x>/", "found '<>'"),
        ("https://example.org/a{b}/", "found '{}'"),
        ("https://evil.example@example.org/", "without a user name or password"),
        ("https://user:pw@example.org/", "without a user name or password"),
        ("https:///evil.example/", "with a host"),
        ("https://", "with a host"),
        ("https://:443/", "with a host"),
        ("https://example.org:0/", "a port from 1 to 65535"),
        ("https://example.org:65536/", "a port from 1 to 65535"),
        ("https://example.org:/", "a port from 1 to 65535"),
        ("https://example.org:8x/", "a port from 1 to 65535"),
        ("https://exa mple.org/", "printable ASCII"),
        ("https://example.org/\tx/", "printable ASCII"),
        ("https://example.org/\u00e9/", "printable ASCII"),
        ("https://example.org/a\\b/", "without backslashes"),
        ("https:\\\\evil.example/", "without backslashes"),
        ("https://exa_mple.org/", "is not a host name"),
        ("https://-example.org/", "is not a host name"),
        ("https://example..org/", "is not a host name"),
        ("https://999.1.1.1/", "is not an IPv4 address"),
        ("http://[::g]/", "does not appear to be an IPv4 or IPv6 address"),
        ("http://[::1/", "expected a URL"),
        ("//evil.example/", "expected an absolute http(s) URL"),
        ("javascript://x/", "expected an absolute http(s) URL"),
        ("ftp://example.org/", "expected an absolute http(s) URL"),
        ("https:example.org/", "expected an absolute http(s) URL"),
        ("example.org", "expected an absolute http(s) URL"),
        ("https://example.org/?", "without query or fragment"),
        ("https://example.org/#top", "without query or fragment"),
    ],
)
def test_bad_base_urls_are_refused_naming_the_value_and_the_problem(
    url: str, fragment: str
) -> None:
    with pytest.raises(ConfigError) as info:
        normalise_base_url(url, "--base-url")
    message = str(info.value)
    assert message.startswith("--base-url: base URL: expected ")
    assert fragment in message
    assert repr(url) in message


def test_the_404_page_loads_nothing_from_another_host(tmp_path: Path) -> None:
    """Every href, src and action of a built 404 page is relative or root-relative with
    exactly one leading '/' (only the footer links to pith.science)."""
    records = _records_with_seed(tmp_path / "records")
    build_site(
        BuildConfig(records=records, out=tmp_path / "site", base_url="https://example.org/m/")
    )
    page = (tmp_path / "site" / "404.html").read_text(encoding="utf-8")
    links = re.findall(r'\b(?:href|src|action)="([^"]*)"', page)
    assert len(links) > 5
    for link in links:
        if link == "https://pith.science/":
            continue
        assert link.startswith("/m/") or not link.startswith("/"), link
        assert not re.match(r"[a-z]+:|//", link), link
    assert re.search(r'<script src="/m/assets/pithgen\.js"', page)
    assert 'data-root="/m/"' in page


@pytest.mark.parametrize(
    ("base_url", "root"),
    [
        (EXPLOIT, "/evil.example/"),
        ("https://example.org///x/", "/x/"),
        ("https://example.org", "/"),
        ("https://example.org/m", "/m/"),
    ],
)
def test_the_404_root_has_one_leading_slash_whatever_the_base_url(base_url: str, root: str) -> None:
    """Defence in depth: even a base URL the configuration would refuse never makes the
    404 page's root protocol-relative."""
    renderer = Renderer(make_env(None), SiteInfo("T", base_url, "", ()))
    page = renderer.not_found_page().decode("utf-8")
    links = re.findall(r'\b(?:href|src|action|data-root)="([^"]*)"', page)
    assert f'data-root="{root}"' in page
    assert f'src="{root}assets/pithgen.js"' in page
    assert not [link for link in links if link.startswith("//")]


# --- templates: what does not apply is an error, and errors say where ---------------------


def _cli(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pithgen", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": ""},
    )


def test_a_missing_templates_folder_named_in_the_config_is_an_error(tmp_path: Path) -> None:
    _records_with_seed(tmp_path / "records")
    write(tmp_path / "pithgen.toml", '[build]\ntemplates = "my-templates"\n')
    proc = _cli("build", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr == (
        f"pithgen: error: {tmp_path / 'pithgen.toml'}: [build] templates: expected a folder "
        f"of template overrides, found none at {tmp_path / 'my-templates'}\n"
    )
    assert not (tmp_path / "site").exists()


def test_an_override_that_matches_no_template_is_an_error_naming_it(tmp_path: Path) -> None:
    _records_with_seed(tmp_path / "records")
    write(tmp_path / "templates" / "recrod.html", "{{ oops }}")
    write(tmp_path / "templates" / "assets" / "pithgen.css", "body { color: red }")  # fine
    write(tmp_path / "templates" / ".recrod.html.swp", "editor")  # ignored
    proc = _cli("build", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(
        f"pithgen: error: {tmp_path / 'templates'}: recrod.html matches no template of "
        "pithgen (did you mean record.html?); an override has the path of one of: 404.html, "
    )
    assert "swp" not in line
    assert not (tmp_path / "site").exists()  # said before anything was verified or built


@pytest.mark.parametrize(
    ("name", "line", "error"),
    [("record.html", 4, "ZeroDivisionError"), ("base.html", 3, "UndefinedError")],
)
def test_a_template_runtime_error_names_the_file_and_line(
    tmp_path: Path, name: str, line: int, error: str
) -> None:
    """The error happened while rendering a page from another template (404.html extends
    base.html; record pages render in worker processes): the file and line named are
    those of the template line that failed."""
    _records_with_seed(tmp_path / "records")
    default = (ROOT / "templates" / name).read_text(encoding="utf-8").splitlines()
    bad = "{{ 1 // 0 }}" if error == "ZeroDivisionError" else "{{ no_such_thing.attr }}"
    default.insert(line - 1, bad)
    write(tmp_path / "templates" / name, "\n".join(default) + "\n")
    proc = _cli("build", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    [message] = proc.stderr.splitlines()
    assert message.startswith(f"pithgen: error: {tmp_path / 'templates' / name}:{line}: ")
    assert "template error while rendering " in message and error in message
    assert "Traceback" not in proc.stderr
