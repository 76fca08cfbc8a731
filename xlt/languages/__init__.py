"""One language identity: an ISO 639-3 code and a display name, from whatever a source calls it.

Codes and names come from the maintained `iso639-lang` library (ISO 639-1/2/3/5 codes, every English
reference name, retired codes and their replacements); Glottolog names from the data files `urielplus`
ships; scripts from CLDR likely-subtags via `langcodes`. Only genuine exceptions are kept by hand
(:mod:`xlt.languages.tables`). The package, by idea:

* :mod:`~xlt.languages.core`        codes, retired codes, scripts (no library exception escapes)
* :mod:`~xlt.languages.glottolog`   Glottolog names and dialects from URIEL+'s CSV files
* :mod:`~xlt.languages.names`       folding, WALS "Head (Qualifier)" forms, the tiered name index
* :mod:`~xlt.languages.overrides`   a user's names file and WALS languages table
* :mod:`~xlt.languages.resolution`  code-first and name-first resolution, notes, suggestions
* :mod:`~xlt.languages.sources`     what each source calls a language:

  - HZSK/EXMARaLDA ``<language lang="...">`` attributes and corpus names   -> :func:`from_hzsk`
  - UD treebank folder names (``UD_Komi_Zyrian-Lattice``)                    -> :func:`from_ud_folder`
  - Wikipedia language editions (``kv``, ``be-tarask``, ``zh-min-nan``)      -> :func:`from_wiki_code`
  - HSE corpus archives (``kpv_web_corpus.zip``)                             -> :func:`from_hse_name`
  - mC4 configs (``iw``, ``ru-Latn``)                                        -> :func:`from_mc4_config`
  - names and codes as people type them (``English``, ``eng``, ``en``)      -> :func:`resolve`
  - names in a published matrix (``Greek (Modern)``, ``Mon``)                -> :func:`resolve_name`
"""

from __future__ import annotations

from xlt.languages.core import Language, Retired, code_language, code_lookup, retired_code, script_of
from xlt.languages.names import fold
from xlt.languages.overrides import NameOverrides, Override
from xlt.languages.resolution import (
    Prefer,
    Resolution,
    explain,
    lookup,
    name_of,
    resolve,
    resolve_many,
    resolve_name,
    suggestions,
)
from xlt.languages.sources import (
    from_hse_name,
    from_hzsk,
    from_mc4_config,
    from_ud_folder,
    from_wiki_code,
    to_mc4_config,
    to_wiki_code,
)
from xlt.languages.tables import MC4_OVERRIDES, NAME_OVERRIDES, SCRIPT_OVERRIDES, WIKI_OVERRIDES

__all__ = [
    "MC4_OVERRIDES",
    "NAME_OVERRIDES",
    "SCRIPT_OVERRIDES",
    "WIKI_OVERRIDES",
    "Language",
    "NameOverrides",
    "Override",
    "Prefer",
    "Resolution",
    "Retired",
    "code_language",
    "code_lookup",
    "explain",
    "fold",
    "from_hse_name",
    "from_hzsk",
    "from_mc4_config",
    "from_ud_folder",
    "from_wiki_code",
    "lookup",
    "name_of",
    "resolve",
    "resolve_many",
    "resolve_name",
    "retired_code",
    "script_of",
    "suggestions",
    "to_mc4_config",
    "to_wiki_code",
]
