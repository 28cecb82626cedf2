"""The form's language list is pycountry's ISO 639-1 list, without loading pycountry's 7,900."""

from __future__ import annotations

import pycountry

from webapp.core.languages import ISO_639_1


def test_the_language_list_matches_pycountry():
    languages = [lang for lang in pycountry.languages if hasattr(lang, "alpha_2")]
    expected = [(lang.alpha_2, lang.name) for lang in sorted(languages, key=lambda x: x.name)]
    assert list(ISO_639_1) == expected
