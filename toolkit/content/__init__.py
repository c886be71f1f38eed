"""Session guides: `content/<lang>/<slug>.md` parsed into `Guide`s, and checked.

No Flask import: `build.py --check`, the app and the PDF builder all use this package. One module
per concern:

- `model`: `Guide`, `Step`, `Block` and `Problem`, the block kinds and modules;
- `front_matter`: the YAML keys, their checks, and the `Guide` fields they give;
- `parse`: one file into a `Guide` (markdown-it's syntax tree), and the `:::` line check;
- `steps`: checks of a guide's steps (welcome first, minutes, questions, sentence length);
- `text`: running text as HTML (web addresses, numbers in the language's digits);
- `loader`: every guide of every language into a `Library`; `translations`: each translation
  against its English source.

The do-no-harm rules (no real places, neutral paper, one spelling) are `toolkit/content_rules.py`;
the card rule is `toolkit/materials/card_rule.py`. Only the three names below are imported from the
package itself (many modules use them); everything else from the module that defines it.
"""

from .loader import Library, load_library
from .model import Guide

__all__ = ["Guide", "Library", "load_library"]
