"""Verse forms, acrostics, rhyme and meter as decoding constraints.

A `Spec` says what to write (form, acrostic heads, rhyme, where to stop). A `Constraints` object
turns it into a small state machine over tokens: for each hypothesis it gives a boolean mask over the
vocabulary (the tokens allowed next), and advances the `State` by the token chosen. The decoder, beam
search or sampling, applies the mask before every choice, so every finished poem satisfies the form
whatever the model would have preferred.

The package: `constraints` (the facade the decoder calls, and the mask cache) over one rule set per
verse kind: `shi` (the Chinese fixed forms, with `keywords`), `metered` (English meter and rhyme
schemes) and `free` (free verse), on the shared `rules`; `prefix` feeds the text before the cursor;
`classes` holds a vocabulary's token classes; `state` the Spec and the State.
"""

from poetpad.core.forms.constraints import Constraints
from poetpad.core.forms.prefix import prepare_prefix
from poetpad.core.forms.state import Spec, State

__all__ = ["Constraints", "Spec", "State", "prepare_prefix"]
