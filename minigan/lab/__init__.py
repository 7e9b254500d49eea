"""The live lab: steer a Wasserstein GAN while it trains (``minigan lab``).

* :class:`~minigan.lab.session.LabSession` owns one run and applies commands (play, pause, step,
  reset, set, preset, save) only between steps; the same seed and commands give the same frames.
* :class:`~minigan.lab.server.LabServer` trains it in a background thread and serves the page,
  a Server-Sent-Events stream of frames and a command endpoint on 127.0.0.1, behind a token.
* :data:`~minigan.lab.presets.PRESETS`: one scenario per lesson (``--preset 09-clipping``).

The page (``static/``) is plain HTML, CSS and JavaScript drawing on canvases: no CDN, no network.
"""

from minigan.lab.presets import PRESETS, Preset, get_preset, preset_for_lesson
from minigan.lab.server import LabServer
from minigan.lab.session import LabCommandError, LabSession

__all__ = ["LabSession", "LabServer", "LabCommandError", "PRESETS", "Preset", "get_preset", "preset_for_lesson"]
