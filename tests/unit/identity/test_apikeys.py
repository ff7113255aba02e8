from gateway.identity import apikeys


def test_generated_key_parses_back_to_its_id():
    key_id, plain = apikeys.generate()
    assert plain.startswith("gw_live_")
    assert apikeys.parse_id(plain) == key_id
    assert apikeys.matches(plain, apikeys.hash_key(plain))


def test_secret_has_32_random_bytes():
    _, plain = apikeys.generate()
    assert len(plain.split("_", 3)[3]) >= 43


def test_malformed_keys_have_no_id():
    for bad in (
        "",
        "sk-abc",
        "gw_live_short_x",
        "gw_live_UPPERCASEIDX_" + "a" * 43,
        "gw_live_abcdefghijkl" + "a" * 43,
    ):
        assert apikeys.parse_id(bad) is None


def test_hash_is_not_the_key():
    _, plain = apikeys.generate()
    assert plain not in apikeys.hash_key(plain) and len(apikeys.hash_key(plain)) == 64
