import pytest

from reliefmap.config import ConfigError, load_config

SOURCE = """
[[sources]]
name = "demo"
kind = "clinics"
start_urls = ["http://127.0.0.1:8000/"]
schedule = "0 3 * * *"
"""


def test_project_config_loads_with_the_whole_taxonomy():
    config = load_config(env={})
    treatments = {s for s, t in config.taxonomy.items() if t.kind == "treatment"}
    conditions = {s for s, t in config.taxonomy.items() if t.kind == "condition"}
    assert {"ketamine-iv-infusion", "esketamine-nasal-spray", "ketamine-oral",
            "spinal-cord-stimulation", "psychotherapy"} <= treatments
    assert len(treatments) == 10 and len(conditions) == 15
    assert "Spravato" in config.taxonomy["esketamine-nasal-spray"].synonyms
    assert {"RSD", "reflex sympathetic dystrophy"} <= set(config.taxonomy["crps"].synonyms)
    assert "shingles pain" in config.taxonomy["post-herpetic-neuralgia"].synonyms
    assert config.taxonomy["diabetic-neuropathy"].parent == "neuropathic-pain"


def test_environment_overrides_database_url_and_secret(config_file):
    env = {"RELIEFMAP_DATABASE_URL": "postgresql+psycopg://u:pw@db/x", "RELIEFMAP_SECRET_KEY": "s3"}
    config = load_config(config_file, env=env)
    assert config.database_url == "postgresql+psycopg://u:pw@db/x"
    assert config.secret_key == "s3"
    masked = config.masked()
    assert masked["database"]["url"] == "postgresql+psycopg://u:***@db/x"
    assert masked["secret_key"] == "***"


def test_relative_sqlite_path_is_resolved_against_the_config_folder(config_file):
    config = load_config(config_file, env={})
    assert config.database_url == f"sqlite:///{config_file.parent}/instance/reliefmap.sqlite"


def test_config_named_by_environment_variable_is_used(config_file):
    config_file.write_text(config_file.read_text().replace("port = 5000", "port = 5123"))
    assert load_config(env={"RELIEFMAP_CONFIG": str(config_file)}).web.port == 5123


def test_sources_are_validated(config_file):
    config_file.write_text(config_file.read_text() + SOURCE + 'selectors = { name = "h1.title" }\n')
    source = load_config(config_file, env={}).sources["demo"]
    assert (source.kind, source.trust, source.country) == ("clinics", "review", "US")


BAD_CONFIGS = {
    "unknown key": (("port = 5000", "port = 5000\ncolour = 'blue'"),
                    "[web]: unknown key 'colour'"),
    "unknown section": (("[web]", "[webb]\n[web]"), "unknown key 'webb' at the top level"),
    "wrong type": (("port = 5000", 'port = "five thousand"'),
                   "[web].port: expected an integer, got a string"),
    "wrong type in list": (("scrapyd_urls = []", "scrapyd_urls = [1]"),
                           "[scheduler].scrapyd_urls[0]: expected a string"),
    "unknown taxonomy slug": (('parent = "neuropathic-pain"', 'parent = "nerve-stuff"'),
                              "unknown taxonomy slug 'nerve-stuff'"),
    "bad time zone": (('timezone = "UTC"', 'timezone = "Mars/Olympus"'),
                      "unknown time zone 'Mars/Olympus'"),
    "invalid TOML": (("[web]", "[web"), "not valid TOML"),
    "number out of range": (("page_size = 20", "page_size = -3"),
                            "[web].page_size: must be at least 1 and at most 100, got -3"),
    "not a finite number": (("download_delay = 0.5", "download_delay = nan"),
                            "[crawler].download_delay: expected a finite number, got nan"),
    "parent cycle": (('label = "Neuropathic pain"', 'label = "Neuropathic pain"\nparent = "crps"'),
                     "[taxonomy.conditions.crps] parent: 'neuropathic-pain' leads back to 'crps'"),
    "bad base URL": (('base_url = ""', 'base_url = "reliefmap.example.org/directory"'),
                     "[web].base_url: expected the site's address"),
}


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_bad_config_stops_with_one_line_and_status_2(case, config_file, run_cli):
    (old, new), message = BAD_CONFIGS[case]
    text = config_file.read_text()
    assert old in text
    config_file.write_text(text.replace(old, new, 1))
    result = run_cli("config", "check")
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("schedule, problem", [
    ("0 3 * *", "expected 5 fields"),
    ("61 3 * * *", "invalid cron expression"),
    ("every day", "invalid cron expression"),
])
def test_invalid_cron_names_the_source(schedule, problem, config_file, run_cli):
    config_file.write_text(config_file.read_text() + SOURCE.replace("0 3 * * *", schedule))
    result = run_cli("config", "check")
    assert result.returncode == 2
    assert "[[sources]] 'demo'.schedule" in result.stderr and problem in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("field, value, message", [
    ("kind", '"hospitals"', "expected 'clinics' or 'resources'"),
    ("trust", '"always"', "expected 'review' or 'auto'"),
    ("country", '"XX"', "not an ISO 3166-1 alpha-2 country code"),
    ("follow", '["(unclosed"]', "invalid regex"),
    ("max_pages", "0", "must be at least 1"),
    ("selectors", '{ name = 3 }', "expected a string"),
    ("selectors", '{ name = "h1[" }', "invalid selector 'h1['"),
    ("selectors", '{ name = "//h1[" }', "invalid selector '//h1['"),
    ("selectors", '{ colour = "h1" }', "unknown key 'colour'"),
])
def test_bad_source_settings_are_refused(field, value, message, config_file):
    source = "\n".join(line for line in SOURCE.splitlines() if not line.startswith(f"{field} ="))
    config_file.write_text(config_file.read_text() + source + f"\n{field} = {value}\n")
    with pytest.raises(ConfigError, match="'demo'") as error:
        load_config(config_file, env={})
    assert message in str(error.value)


def test_unreadable_config_file_is_one_line_status_2(tmp_path, run_cli):
    missing = tmp_path / "nowhere.toml"
    result = run_cli("config", "check", env={"RELIEFMAP_CONFIG": str(missing)})
    assert result.returncode == 2
    assert f"cannot read config file {missing}" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_config_file_that_is_not_utf8_is_one_line_status_2(config_file, run_cli):
    config_file.write_bytes(config_file.read_text().replace("Ketamine", "K\xe9tamine")
                            .encode("latin-1"))
    result = run_cli("config", "check")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert f"{config_file}: not UTF-8 text" in result.stderr and "save it as UTF-8" in result.stderr


def test_every_number_in_the_config_has_a_range(config_file):
    from dataclasses import fields

    from reliefmap.config import CrawlerConfig, SchedulerConfig, Source, WebConfig

    for section in (WebConfig, CrawlerConfig, SchedulerConfig, Source):
        for field in fields(section):
            if field.type in ("int", "float"):
                low, high = field.metadata["range"]
                assert low <= field.default <= high, (section.__name__, field.name)


def test_config_check_masks_secrets(run_cli):
    result = run_cli("config", "check", env={"RELIEFMAP_SECRET_KEY": "very-secret-value"})
    assert result.returncode == 0, result.stderr
    assert "very-secret-value" not in result.stdout
    assert '"secret_key": "***"' in result.stdout
