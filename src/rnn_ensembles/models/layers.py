"""The package's Keras objects (custom cells, constraints), registered with Keras.

Importing this module lets plain ``keras.models.load_model`` read every ``model.keras``
that the workflow writes; the architectures' ``build`` functions import it themselves.
"""

from __future__ import annotations
