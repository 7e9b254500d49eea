"""The autodiff engine: Tensor, the primitive table with its VJPs, backward/grad, gradcheck.

Layers, each importing only those before it: ``tensor`` (Tensor, recording mode) →
``_helpers`` → ``primitives`` (the table; attaches Tensor's operators) → ``engine``
(the backward walk; attaches ``Tensor.backward``) → ``gradcheck`` → ``functions`` (the
public surface, re-exported here and by ``minigan`` wholesale).
"""

from minigan.autodiff import functions as _functions
from minigan.autodiff.functions import *  # noqa: F403  (the one public surface)

__all__ = list(_functions.__all__)
