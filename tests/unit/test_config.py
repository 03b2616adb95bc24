"""Settings resolution: defaults, camelCase keys, invalid values reported and replaced."""

from radix_ls.config import Settings, resolve, to_wire


def test_defaults_when_nothing_is_sent():
    assert resolve(None).settings == Settings()
    assert resolve({}).errors == ()


def test_camel_case_keys_and_nested_section():
    resolved = resolve({"radix-ls": {"maxTokens": 32, "promptTemplate": "prefix"}})
    assert resolved.errors == ()
    assert resolved.settings.max_tokens == 32
    assert resolved.settings.prompt_template == "prefix"


def test_invalid_values_fall_back_to_defaults_with_messages():
    resolved = resolve(
        {"maxTokens": "lots", "engine": "warp", "inlineCompletion": 1, "bogus": True}
    )
    assert resolved.settings.max_tokens == Settings.max_tokens
    assert resolved.settings.engine == "auto"
    assert resolved.settings.inline_completion is True
    assert len(resolved.errors) == 4
    assert any("unknown setting 'bogus'" in e for e in resolved.errors)


def test_not_an_object():
    resolved = resolve(["maxTokens", 3])
    assert resolved.settings == Settings()
    assert resolved.errors and "must be an object" in resolved.errors[0]


def test_empty_list_is_no_settings():
    # Neovim encodes an empty Lua table as [] (e.g. `init_options = {}`)
    resolved = resolve([])
    assert resolved.settings == Settings()
    assert resolved.errors == ()


def test_budget_must_fit_context_window():
    resolved = resolve(
        {"engine": "llamacpp", "contextTokens": 4000, "maxTokens": 500, "nCtx": 4096}
    )
    assert resolved.errors
    s = resolved.settings
    assert s.context_tokens + s.max_tokens <= s.n_ctx


def test_base_settings_are_kept_for_missing_keys():
    base = resolve({"maxTokens": 10}).settings
    assert resolve({"maxLines": 3}, base=base).settings.max_tokens == 10


def test_wire_form_round_trips():
    s = resolve({"maxTokens": 7}).settings
    assert resolve(to_wire(s)).settings == s
